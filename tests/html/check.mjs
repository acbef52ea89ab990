// check.mjs - drives headless Chromium (puppeteer-core) over a page `pyconform html`
// wrote, and checks it against the report it came from:
//   node check.mjs CHROMIUM PAGE REPORT SCREENSHOT CASE FUNCTION INTERP MODE
// where CASE/FUNCTION/INTERP(prefix)/MODE name a result the report holds as unexpected
// with a diff. Asserts: one matrix row per case function and one cell per result; no
// request leaves the page; the filters (only unexpected, only differing builds, search)
// show what the report says; clicking the unexpected cell shows its diff; the screenshot
// is not blank. Exit 0 when all hold, 1 otherwise.
import fs from 'node:fs';
import puppeteer from 'puppeteer-core';

const [chromium, pagePath, reportPath, shotPath, wantCase, wantFn, wantInterp, wantMode] = process.argv.slice(2);
const report = JSON.parse(fs.readFileSync(reportPath, 'utf8'));
let failures = 0;
function check(ok, what) {
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${what}`);
  if (!ok) failures++;
}

// What the report says
const fnKey = (r) => `${report.jobs[r.job].case}\u0000${r.function}`;
const rows = new Set(report.results.map(fnKey));
const unexpectedRows = new Set(report.results
  .filter((r) => !['PASS', 'XFAIL', 'SKIP'].includes(r.verdict)).map(fnKey));
const differRows = new Set(report.groups.filter((g) => g.groups.length > 1)
  .map((g) => `${g.case}\u0000${g.function}`));
const target = report.results.findIndex((r) => {
  const j = report.jobs[r.job];
  return j.case === wantCase && r.function === wantFn && j.interpreter.startsWith(wantInterp) &&
    j.mode === wantMode;
});
if (target < 0 || !report.results[target].diff) {
  console.log(`FAIL the report has no unexpected result with a diff for ${wantCase} / ${wantFn} ${wantInterp} ${wantMode}`);
  process.exit(1);
}
const want = report.results[target];
const expectedOnly = [...rows].find((k) => !unexpectedRows.has(k));

const browser = await puppeteer.launch({
  executablePath: chromium,
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
});
try {
  const page = await browser.newPage();
  await page.setViewport({width: 1400, height: 900});
  const outside = [], errors = [];
  page.on('request', (req) => { if (!req.url().startsWith('file:') && !req.url().startsWith('data:')) outside.push(req.url()); });
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  await page.goto('file://' + pagePath, {waitUntil: 'load'});
  await page.waitForSelector('#m');

  check(errors.length === 0, `no script errors${errors.length ? ': ' + errors.join('; ') : ''}`);
  check(outside.length === 0, `no request leaves the page${outside.length ? ': ' + outside.join(' ') : ''}`);
  const nrows = await page.$$eval('#m tr.fn', (t) => t.length);
  check(nrows === rows.size, `matrix rows ${nrows} = the report's case functions ${rows.size}`);
  const ncells = await page.$$eval('#m td.c[data-r]', (t) => t.length);
  check(ncells === report.results.length, `matrix cells ${ncells} = the report's results ${report.results.length}`);
  const verdictsOk = await page.$$eval('#m td.c[data-r]', (tds, results) =>
    tds.every((td) => td.classList.contains('v-' + results[+td.dataset.r])), report.results.map((r) => r.verdict));
  check(verdictsOk, 'every cell is coloured by its own verdict');
  const summary = await page.$eval('#summary', (e) => e.textContent);
  check(summary.includes(`${report.summary.unexpected} unexpected`) && summary.includes(report.run.host),
        'the summary header gives the unexpected count and the run\'s host');

  const visible = (sel) => page.$eval(sel, (e) => {
    const r = e.getBoundingClientRect();
    return !e.closest('[hidden]') && r.width > 0 && r.height > 0;
  });
  const cell = `#m td.c[data-r="${target}"]`;
  const rowOf = (key) => {
    const [c, f] = key.split('\u0000');
    return page.$$eval('#m tr.fn', (trs, c, f) => trs.findIndex((tr) =>
      tr.querySelector('td.fn').getAttribute('title') === `${c} / ${f}`), c, f);
  };

  // only unexpected
  await page.click('#only-unexpected');
  check(await visible(cell), `under "only unexpected" the ${want.verdict} cell of ${wantFn} (${wantInterp}, ${wantMode}) is visible`);
  let shown = await page.$$eval('#m tr.fn', (t) => t.filter((tr) => !tr.hidden).length);
  check(shown === unexpectedRows.size, `"only unexpected" shows ${shown} rows = the report's functions with an unexpected result ${unexpectedRows.size}`);
  if (expectedOnly) {
    const i = await rowOf(expectedOnly);
    const hidden = await page.$$eval('#m tr.fn', (t, i) => t[i].hidden, i);
    check(i >= 0 && hidden, `a function whose results are all as expected (${expectedOnly.replace('\u0000', ' / ')}) is hidden`);
  }

  // clicking shows the diff
  await page.click(cell);
  await page.waitForSelector('#detail:not([hidden]) .diff');
  const detail = await page.$eval('#detail', (e) => ({
    text: e.textContent, path: e.querySelector('.diff .path').textContent,
    exp: e.querySelector('.diff pre.exp').textContent, obs: e.querySelector('.diff pre.obs').textContent,
  }));
  check(detail.path === want.diff.path, `clicking shows the diff path "${detail.path}" (report: "${want.diff.path}")`);
  check(JSON.stringify(JSON.parse(detail.exp)) === JSON.stringify(want.diff.expected) &&
        JSON.stringify(JSON.parse(detail.obs)) === JSON.stringify(want.diff.observed),
        `the diff shows expected ${JSON.stringify(want.diff.expected)} and observed ${JSON.stringify(want.diff.observed)}`);
  check(detail.text.includes(want.verdict) && detail.text.includes(report.jobs[want.job].interpreter),
        'the detail names the verdict and the build');
  const shot = await page.screenshot({type: 'png', fullPage: false});
  fs.writeFileSync(shotPath, shot);
  await page.keyboard.press('Escape');
  check(await page.$eval('#detail', (e) => e.hidden), 'Escape closes the detail');
  await page.click('#only-unexpected');

  // only functions whose builds differ
  await page.click('#only-differ');
  shown = await page.$$eval('#m tr.fn', (t) => t.filter((tr) => !tr.hidden).length);
  check(shown === differRows.size, `"only functions whose builds differ" shows ${shown} rows = the report's functions with more than one group ${differRows.size}`);
  await page.click('#only-differ');

  // search
  await page.type('#search', wantFn);
  const titles = await page.$$eval('#m tr.fn', (t) => t.filter((tr) => !tr.hidden).map((tr) => tr.querySelector('td.fn').getAttribute('title')));
  check(titles.length >= 1 && titles.every((t) => t.toLowerCase().includes(wantFn.toLowerCase())) &&
        titles.includes(`${wantCase} / ${wantFn}`), `searching "${wantFn}" shows only matching rows (${titles.length})`);

  // the screenshot is not blank: its pixels, decoded by the browser, are not one colour
  const blank = await browser.newPage();
  const stats = await blank.evaluate(async (b64) => {
    const img = new Image();
    img.src = 'data:image/png;base64,' + b64;
    await img.decode();
    const cv = document.createElement('canvas');
    cv.width = img.width; cv.height = img.height;
    const cx = cv.getContext('2d');
    cx.drawImage(img, 0, 0);
    const px = cx.getImageData(0, 0, cv.width, cv.height).data, counts = new Map();
    for (let i = 0; i < px.length; i += 4) {
      const k = (px[i] << 16) | (px[i + 1] << 8) | px[i + 2];
      counts.set(k, (counts.get(k) || 0) + 1);
    }
    const top = Math.max(...counts.values());
    return {w: img.width, h: img.height, colours: counts.size, other: 1 - top / (px.length / 4)};
  }, shot.toString('base64'));
  check(stats.w === 1400 && stats.colours > 20 && stats.other > 0.05,
        `the screenshot (${stats.w}x${stats.h}) is not blank: ${stats.colours} colours, ${(stats.other * 100).toFixed(1)}% not background`);
} finally {
  await browser.close();
}
console.log(failures ? `${failures} checks failed` : 'all checks passed');
process.exit(failures ? 1 : 0);
