/* report.js - renders the report inlined in the page (report.html): the summary, the
 * matrix of case functions x builds (source and desugared cells side by side, builds
 * ordered by implementation and version), the cross-build groups of each function, the
 * filters, and the detail of a clicked cell. The report is schema 2
 * (docs/report-schema.json): rows name their job, observation and reason by index. */
(function () {
  'use strict';
  var R = JSON.parse(document.getElementById('report-data').textContent);
  var VERDICTS = ['PASS', 'XFAIL', 'SKIP', 'FAIL', 'XPASS', 'DIVERGE', 'FLAKY', 'TIMEOUT', 'CRASH', 'ERROR', 'NOT-RUN'];
  var LETTER = {PASS: '.', XFAIL: 'x', SKIP: 's', FAIL: 'F', XPASS: 'X', DIVERGE: 'D', FLAKY: '~',
                TIMEOUT: 'T', CRASH: 'C', ERROR: 'E', 'NOT-RUN': '-'};
  var MEANING = {
    PASS: 'matches expected/; for desugared: equals the source run',
    XFAIL: 'a known divergence of the translation, recorded in expected/ with its reason',
    SKIP: 'not run on this build',
    FAIL: 'differs from expected/, or no expectation is recorded for this build',
    XPASS: 'a recorded divergence no longer happens: update expected/',
    DIVERGE: 'desugared differs from source and that is not recorded',
    FLAKY: 'changed between attempts (run --retries): see its attempts; unexpected unless the run had --allow-flaky',
    TIMEOUT: 'in flight when the job ran past --timeout',
    CRASH: 'the job\'s process died during this call',
    ERROR: 'the harness could not run the job',
    'NOT-RUN': 'the run was interrupted or cut short before this ran'
  };
  var AS_EXPECTED = {PASS: true, XFAIL: true, SKIP: true, FLAKY: !!(R.run && R.run.allow_flaky)};
  var MODES = ['source', 'desugared'];
  var results = R.results, jobs = R.jobs, obs = R.observations;

  function esc(s) {
    return String(s).replace(/[&<>"']/g, function (c) {
      return {'&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;'}[c];
    });
  }
  /* JSON for reading: a value whose compact form fits on a line stays on one line */
  function pretty(v, ind) {
    var flat = JSON.stringify(v);
    if (flat === undefined) return 'undefined';
    if (v === null || typeof v !== 'object' || flat.length + ind.length <= 90) return flat;
    var inner = ind + '  ', parts;
    if (Array.isArray(v)) {
      parts = v.map(function (x) { return inner + pretty(x, inner); });
      return '[\n' + parts.join(',\n') + '\n' + ind + ']';
    }
    parts = Object.keys(v).map(function (k) { return inner + JSON.stringify(k) + ': ' + pretty(v[k], inner); });
    return '{\n' + parts.join(',\n') + '\n' + ind + '}';
  }
  function json(v) { return esc(pretty(v, '')); }
  function $(id) { return document.getElementById(id); }

  /* --- builds: the interpreters the jobs name, by implementation (with traits), then version */
  var interpByName = {};
  R.interpreters.forEach(function (it) { if (it.name != null) interpByName[it.name] = it; });
  var LEVEL = {alpha: 0, beta: 1, candidate: 2, final: 3};
  var builds = [], buildIndex = {};
  jobs.forEach(function (j) {
    if (j.interpreter in buildIndex) return;
    var it = interpByName[j.interpreter], p = it && it.probe;
    var b = {name: j.interpreter, impl: '?', key: [], label: j.interpreter, title: j.interpreter};
    if (p && typeof p.implementation === 'string') {
      b.impl = p.implementation + (p.debug ? '+debug' : '') + (p.free_threaded ? '+ft' : '') + (p.wasm ? '+wasm' : '');
      var vi = Array.isArray(p.version_info) ? p.version_info : [];
      b.key = [vi[0] || 0, vi[1] || 0, vi[2] || 0, vi[3] in LEVEL ? LEVEL[vi[3]] : 3, vi[4] || 0];
      b.label = p.version || j.interpreter;
      b.title = j.interpreter + '\n' + (p.executable || '') + (it.problem ? '\n' + it.problem : '');
    } else if (it && it.problem) {
      b.title = j.interpreter + '\n' + it.problem;
    }
    buildIndex[j.interpreter] = builds.length;
    builds.push(b);
  });
  builds.sort(function (a, b) {
    if (a.impl !== b.impl) return a.impl === '?' ? 1 : b.impl === '?' ? -1 : a.impl < b.impl ? -1 : 1;
    for (var i = 0; i < 5; i++)
      if ((a.key[i] || 0) !== (b.key[i] || 0)) return (a.key[i] || 0) - (b.key[i] || 0);
    return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
  });
  builds.forEach(function (b, i) { buildIndex[b.name] = i; });
  var modes = MODES.filter(function (m) { return jobs.some(function (j) { return j.mode === m; }); });
  var ncol = builds.length * modes.length;

  /* --- rows: case functions; cases in file and line order, functions as the rows came */
  var caseInfo = {}, cases = [];
  jobs.forEach(function (j) {
    var c = caseInfo[j.case];
    if (!c) { c = caseInfo[j.case] = {name: j.case, file: j.file, line: j.line, fns: [], byFn: {}}; cases.push(c); }
    else if (j.file < c.file || (j.file === c.file && j.line < c.line)) { c.file = j.file; c.line = j.line; }
  });
  cases.sort(function (a, b) { return a.file < b.file ? -1 : a.file > b.file ? 1 : a.line - b.line; });
  var groupsOf = {};
  R.groups.forEach(function (g) { groupsOf[g.case + '\u0000' + g.function + '\u0000' + g.mode] = g.groups; });
  results.forEach(function (r, i) {
    var j = jobs[r.job], c = caseInfo[j.case], f = c.byFn[r.function];
    if (!f) {
      f = c.byFn[r.function] = {c: c, name: r.function, cells: new Array(ncol), unexpected: false,
                                differs: false, letters: {}, groups: {}};
      f.key = (c.name + ' / ' + r.function).toLowerCase();
      c.fns.push(f);
    }
    f.cells[buildIndex[j.interpreter] * modes.length + modes.indexOf(j.mode)] = i;
    if (!AS_EXPECTED[r.verdict]) f.unexpected = true;
  });
  var nrows = 0;
  cases.forEach(function (c) {
    c.fns.forEach(function (f) {
      nrows++;
      modes.forEach(function (m) {
        var gs = groupsOf[c.name + '\u0000' + f.name + '\u0000' + m], letters = {};
        if (!gs) return;
        f.groups[m] = gs;
        if (gs.length > 1) f.differs = true;
        gs.forEach(function (g, k) {
          g.interpreters.forEach(function (ii) {
            var it = R.interpreters[ii];
            if (it) letters[it.name] = String.fromCharCode(97 + (k % 26));
          });
        });
        f.letters[m] = letters;
      });
    });
  });

  /* --- summary */
  function chip(v, n) {
    return '<span class="chip' + (n ? '' : ' zero') + '" title="' + esc(MEANING[v] || '') + '"><i class="v-' + esc(v) + '">' +
      esc(LETTER[v]) + '</i>' + esc(v) + ' ' + n + '</span>';
  }
  (function summary() {
    var s = R.summary || {}, run = R.run || {}, h = [];
    var verdicts = s.verdicts || {}, jst = s.jobs || {};
    h.push('<h1>pyconform report <span class="muted" style="font-weight:400;font-size:13px">' +
           esc((R.harness && R.harness.version) || '') + ', schema ' + esc(R.schema_version) + '</span></h1>');
    if (R.interrupted)
      h.push('<p class="warn">Interrupted by signal ' + esc(R.signal) + ': jobs that did not run are NOT-RUN.</p>');
    else if (R.cut_short)
      h.push('<p class="warn">Cut short (' + esc(R.cut_short) + '): jobs that did not run are NOT-RUN.</p>');
    h.push('<div class="run">' + esc(run.started || '?') + ' &rarr; ' + esc(run.finished || '?') + ' (' +
           (typeof run.seconds === 'number' ? run.seconds.toFixed(1) : '?') + ' s) on <b>' + esc(run.host || '?') +
           '</b>; -j ' + esc(run.parallel) + ', timeout ' + esc(run.timeout) + ' s' +
           (run.retries ? ', --retries ' + esc(run.retries) + (run.allow_flaky ? ' --allow-flaky' : '') : '') + '; ' +
           builds.length + ' builds &times; ' + modes.join(' + ') + '; ' + cases.length + ' cases, ' + nrows +
           ' case functions, ' + results.length + ' results</div>');
    if (Array.isArray(run.command))
      h.push('<div class="run">command: <code class="cmd">' + esc(run.command.join(' ')) + '</code></div>');
    h.push('<div class="chips"><span class="chip big' + (s.unexpected ? '' : ' zero') + '"><i class="v-' +
           (s.unexpected ? 'FAIL' : 'PASS') + '">' + (s.unexpected ? '!' : '&#10003;') + '</i>' +
           esc(s.unexpected) + ' unexpected</span>');
    VERDICTS.forEach(function (v) { h.push(chip(v, verdicts[v] || 0)); });
    h.push('</div><div class="run muted">jobs: ' + esc(s.jobs_reported) + ' of ' + esc(s.jobs_planned) + ' reported; ' +
           Object.keys(jst).map(function (k) { return esc(k) + ' ' + esc(jst[k]); }).join(', ') +
           '. Cell letters: the same letter in a row and mode means the same observation (groups on the right); ' +
           'a cell without an observation shows its verdict letter. Click a cell for its detail.</div>');
    if (R.stale && R.stale.length)
      h.push('<details class="stale"><summary class="warn">' + R.stale.length + ' stale expectations</summary><ul>' +
             R.stale.map(function (st) { return '<li>' + esc(st.file) + ': ' + esc(st.why) + '</li>'; }).join('') + '</ul></details>');
    $('summary').innerHTML = h.join('');
    document.title = 'pyconform: ' + (s.unexpected || 0) + ' unexpected, ' + builds.length + ' builds (' + (run.started || '') + ')';
  })();

  /* --- the matrix */
  function groupText(gs) {
    return gs.map(function (g, k) {
      return (gs.length > 1 ? '<b>' + String.fromCharCode(97 + (k % 26)) + '</b> ' : '') +
        esc(g.builds) + (g.observation === 0 ? ' (not defined)' : '');
    }).join(' \u2502 ');
  }
  (function matrix() {
    var h = [], spans = [], i;
    h.push('<table class="m" id="m"><thead><tr class="impl"><th class="corner" rowspan="' + (modes.length > 1 ? 3 : 2) +
           '">case / function</th>');
    builds.forEach(function (b) {
      var last = spans[spans.length - 1];
      if (last && last.impl === b.impl) last.n++; else spans.push({impl: b.impl, n: 1});
    });
    spans.forEach(function (s) {
      /* the band never widens its columns: its name is cut to their width (full in the title) */
      h.push('<th colspan="' + s.n * modes.length + '" title="' + esc(s.impl) + '"><div class="band" style="width:' +
             (s.n * modes.length * 16 - 5) + 'px">' + esc(s.impl === '?' ? 'not probed' : s.impl) + '</div></th>');
    });
    h.push('<th class="gh" rowspan="' + (modes.length > 1 ? 3 : 2) + '">builds that observed the same (per mode)</th></tr><tr class="ver">');
    builds.forEach(function (b, k) {
      var first = k === 0 || builds[k - 1].impl !== b.impl;
      h.push('<th colspan="' + modes.length + '"' + (first ? ' class="first"' : '') + ' title="' + esc(b.title) + '"><span>' +
             esc(b.label) + '</span></th>');
    });
    h.push('</tr>');
    if (modes.length > 1) {
      h.push('<tr class="md">');
      builds.forEach(function (b) {
        modes.forEach(function (m) { h.push('<th title="' + m + '">' + m.charAt(0) + '</th>'); });
      });
      h.push('</tr>');
    }
    h.push('</thead>');
    cases.forEach(function (c, ci) {
      h.push('<tbody><tr class="case" data-case="' + ci + '"><th colspan="' + (ncol + 2) + '">' + esc(c.name) +
             '<span class="file">' + esc(c.file) + ':' + esc(c.line) + '</span></th></tr>');
      c.fns.forEach(function (f, fi) {
        h.push('<tr class="fn" data-case="' + ci + '" data-fn="' + fi + '"><td class="fn" title="' + esc(c.name + ' / ' + f.name) +
               '">' + esc(f.name) + '</td>');
        for (i = 0; i < ncol; i++) {
          var ri = f.cells[i], cls = i % modes.length === 0 ? ' b0' : '';
          if (ri === undefined) { h.push('<td class="c none' + cls + '"></td>'); continue; }
          var r = results[ri], j = jobs[r.job], m = j.mode, letters = f.letters[m];
          /* the row's group letter where builds differ, else the verdict letter for a
           * cell that observed nothing */
          var text = f.groups[m] && f.groups[m].length > 1 && letters ? letters[j.interpreter] : undefined;
          if (text === undefined) text = r.observation !== undefined ? '' : LETTER[r.verdict];
          h.push('<td class="c v-' + esc(r.verdict) + (AS_EXPECTED[r.verdict] ? ' ok' : '') + cls + '" data-r="' + ri +
                 '" title="' + esc(j.interpreter + ' ' + m + ': ' + r.verdict) + '">' + esc(text || '') + '</td>');
        }
        var g = [], ms = modes.filter(function (m) { return f.groups[m]; });
        var texts = ms.map(function (m) { return groupText(f.groups[m]); });
        if (texts.length === 2 && texts[0] === texts[1])
          g.push((f.differs ? '' : '<span class="same">') + texts[0] + (f.differs ? '' : '</span>'));
        else
          ms.forEach(function (m, k) {
            g.push('<div><span class="md">' + m.slice(0, 3) + '</span>' + (f.groups[m].length > 1 ? texts[k] : '<span class="same">' + texts[k] + '</span>') + '</div>');
          });
        h.push('<td class="g">' + g.join('') + '</td></tr>');
      });
      h.push('</tbody>');
    });
    h.push('</table>');
    $('matrix').innerHTML = h.join('');
    $('controls').hidden = false;
  })();

  /* sticky header rows sit below the sticky filter bar */
  function placeHeader() {
    var top = $('controls').offsetHeight;
    Array.prototype.forEach.call(document.querySelectorAll('#m thead tr'), function (tr) {
      Array.prototype.forEach.call(tr.children, function (th) {
        if (th.rowSpan > 1 && tr.className !== 'impl') return;
        th.style.top = top + 'px';
      });
      top += tr.offsetHeight;
    });
    Array.prototype.forEach.call(document.querySelectorAll('#m thead th[rowspan]'), function (th) {
      th.style.top = $('controls').offsetHeight + 'px';
    });
  }
  placeHeader();
  window.addEventListener('resize', placeHeader);

  /* --- filters */
  var table = $('m');
  var fnRows = table.querySelectorAll('tr.fn'), caseRows = table.querySelectorAll('tr.case');
  function apply() {
    var ou = $('only-unexpected').checked, od = $('only-differ').checked;
    var q = $('search').value.trim().toLowerCase(), shown = 0, caseShown = {};
    Array.prototype.forEach.call(fnRows, function (tr) {
      var f = cases[+tr.dataset.case].fns[+tr.dataset.fn];
      var on = (!ou || f.unexpected) && (!od || f.differs) && (!q || f.key.indexOf(q) >= 0);
      tr.hidden = !on;
      if (on) { shown++; caseShown[tr.dataset.case] = true; }
    });
    Array.prototype.forEach.call(caseRows, function (tr) { tr.hidden = !caseShown[tr.dataset.case]; });
    table.classList.toggle('dim', ou);
    $('shown').textContent = shown + ' of ' + nrows + ' case functions shown';
  }
  ['only-unexpected', 'only-differ'].forEach(function (id) { $(id).addEventListener('change', apply); });
  $('search').addEventListener('input', apply);
  apply();

  /* --- the detail of a cell */
  var selected = null;
  function fact(k, v) { return v === undefined || v === null || v === '' ? '' : '<tr><th>' + esc(k) + '</th><td>' + v + '</td></tr>'; }
  function show(ri) {
    var r = results[ri], j = jobs[r.job], h = [], gs = groupsOf[j.case + '\u0000' + r.function + '\u0000' + j.mode];
    var observed = r.observation !== undefined ? obs[r.observation] : undefined;
    h.push('<button class="close" title="close (Esc)">&times;</button>');
    h.push('<h2>' + esc(j.case) + ' / ' + esc(r.function) + '</h2>');
    h.push('<div><span class="vtag v-' + esc(r.verdict) + '">' + esc(r.verdict) + '</span> ' + esc(j.interpreter) +
           ', ' + esc(j.mode) + ' <span class="muted">&mdash; ' + esc(MEANING[r.verdict] || '') + '</span></div>');
    h.push('<table class="facts">' +
           fact('reason', r.reason ? esc(R.reasons[r.reason - 1]) : '') +
           fact('detail', r.detail ? '<pre>' + esc(r.detail) + '</pre>' : '') +
           fact('duration', typeof r.duration === 'number' ? (r.duration * 1000).toFixed(2) + ' ms' : '') +
           fact('case file', esc(j.file + ':' + j.line)) +
           fact('job', esc('#' + j.id + ', ' + j.status + (j.detail ? ': ' + j.detail : ''))) +
           fact('translation', j.translation ? esc(j.translation) : '') + '</table>');
    if (r.diff) {
      h.push('<h3>diff</h3><div class="diff"><div>first difference at <code class="path">' + esc(r.diff.path) + '</code></div>' +
             '<div class="muted">expected</div><pre class="exp">' + json(r.diff.expected) + '</pre>' +
             '<div class="muted">observed</div><pre class="obs">' + json(r.diff.observed) + '</pre></div>');
    }
    if (r.attempts) {
      /* run --retries: every attempt, the first the run's own */
      h.push('<h3>attempts</h3><table class="facts attempts">' + r.attempts.map(function (a, k) {
        var o = a.observation !== undefined ? obs[a.observation] : undefined;
        return '<tr><th>' + (k + 1) + '</th><td><span class="vtag v-' + esc(a.verdict) + '">' + esc(a.verdict) + '</span> ' +
          (a.duration * 1000).toFixed(2) + ' ms' + (a.detail ? ' <span class="muted">' + esc(a.detail) + '</span>' : '') +
          (o === undefined ? ' <span class="muted">(nothing observed)</span>' :
           '<details><summary>observation #' + esc(a.observation) + (k && a.observation !== r.attempts[0].observation ? ' (differs from the first)' : '') +
           '</summary><pre>' + json(o) + '</pre></details>') + '</td></tr>';
      }).join('') + '</table>');
    }
    h.push('<h3>observation</h3>' + (observed === undefined ? '<p class="muted">nothing observed</p>' : '<pre>' + json(observed) + '</pre>'));
    h.push('<h3>expected</h3>' + ('expected' in r ? '<pre>' + json(r.expected) + '</pre>' :
           '<p class="muted">' + (r.verdict === 'PASS' ? 'the observation above (PASS rows store no separate expected value)' :
                                  'nothing to judge against') + '</p>'));
    if (gs) {
      h.push('<h3>builds that observed the same (' + esc(j.mode) + ')</h3><ul class="groups">');
      gs.forEach(function (g, k) {
        var here = g.interpreters.some(function (ii) { return R.interpreters[ii] && R.interpreters[ii].name === j.interpreter; });
        h.push('<li' + (here ? ' class="here"' : '') + '>' + (gs.length > 1 ? String.fromCharCode(97 + (k % 26)) + ': ' : '') +
               esc(g.builds) + (g.observation === 0 ? ' (not defined)' : '') + '</li>');
      });
      h.push('</ul>');
    }
    if (r.recorded !== undefined)
      h.push('<details><summary>recorded beside the translation (never judged)</summary><pre>' + json(obs[r.recorded]) + '</pre></details>');
    if (j.untranslated && j.untranslated.length)
      h.push('<details><summary>left untranslated by the desugarer</summary><pre>' + json(j.untranslated) + '</pre></details>');
    var d = $('detail');
    d.innerHTML = h.join('');
    d.hidden = false;
    d.scrollTop = 0;
    d.querySelector('.close').addEventListener('click', hide);
  }
  function hide() {
    $('detail').hidden = true;
    if (selected) selected.classList.remove('sel');
    selected = null;
  }
  table.addEventListener('click', function (e) {
    var td = e.target.closest('td.c');
    if (!td || td.dataset.r === undefined) return;
    if (selected) selected.classList.remove('sel');
    selected = td;
    td.classList.add('sel');
    show(+td.dataset.r);
  });
  document.addEventListener('keydown', function (e) { if (e.key === 'Escape') hide(); });
})();
