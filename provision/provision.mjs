#!/usr/bin/env node
// provision/provision.mjs - reference driver for provision/recipes.json.
// (The C command `pyconform provision` does the same; this one needs only Node.)
//
// usage: node provision/provision.mjs [--cache=DIR] [--all] [--list] [--dry-run] [NAME...]
//   no NAME     every recipe that is not explicit_only
//   --all       every recipe, explicit_only ones included
//   NAME...     those recipes (explicit_only ones too)
//   --list      print the recipes and whether each is provisioned, then exit
//   --dry-run   print the command of each selected recipe, run nothing
// The cache folder is --cache, else ~/.cache/pyconform (as for `pyconform --cache`):
// builds go to CACHE/interpreters/NAME, each build's output to CACHE/logs/NAME.log.
// One summary line per build is printed.  Exit status 1 if any build failed.
//
// Recipe -> command (the rule the C side implements):
//   provision/KIND.sh CACHE/interpreters/NAME  then, for every key of the recipe except
//   "kind", "description" and "explicit_only", in the recipe's key order:
//   a string or number value V gives one argument --KEY=V, a list gives one
//   --KEY=ITEM per item (an empty list gives none), true gives --KEY.

import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const SKIP = new Set(["kind", "description", "explicit_only"]);
const KINDS = new Set(["apt-system", "deb-private", "source", "pyodide"]);

export function recipeArgv(recipe, interpsDir, provisionDir = HERE) {
  if (!KINDS.has(recipe.kind)) throw new Error(`recipe ${recipe.name}: unknown kind ${recipe.kind}`);
  const argv = [path.join(provisionDir, recipe.kind + ".sh"), path.join(interpsDir, recipe.name)];
  for (const [key, value] of Object.entries(recipe)) {
    if (SKIP.has(key)) continue;
    const items = Array.isArray(value) ? value : [value];
    for (const item of items) {
      if (item === true) argv.push(`--${key}`);
      else if (item === false || item === null) continue;
      else if (typeof item === "string" || typeof item === "number") argv.push(`--${key}=${item}`);
      else throw new Error(`recipe ${recipe.name}: bad value for ${key}`);
    }
  }
  return argv;
}

export function loadRecipes(file = path.join(HERE, "recipes.json")) {
  const recipes = JSON.parse(fs.readFileSync(file, "utf8"));
  const names = new Set();
  for (const r of recipes) {
    if (typeof r.name !== "string" || !/^[A-Za-z0-9._+-]+$/.test(r.name)) throw new Error(`bad recipe name ${r.name}`);
    if (names.has(r.name)) throw new Error(`duplicate recipe ${r.name}`);
    names.add(r.name);
  }
  return recipes;
}

function main() {
  let cache = path.join(os.homedir(), ".cache", "pyconform");
  let all = false, list = false, dry = false;
  const names = [];
  for (const a of process.argv.slice(2)) {
    if (a.startsWith("--cache=")) cache = a.slice(8);
    else if (a === "--all") all = true;
    else if (a === "--list") list = true;
    else if (a === "--dry-run") dry = true;
    else if (a === "-h" || a === "--help") {
      console.log("usage: node provision/provision.mjs [--cache=DIR] [--all] [--list] [--dry-run] [NAME...]");
      return 0;
    } else if (a.startsWith("-")) {
      console.error(`unknown option ${a}`);
      return 2;
    } else names.push(a);
  }
  cache = path.resolve(cache);
  const interps = path.join(cache, "interpreters");
  const logs = path.join(cache, "logs");
  const recipes = loadRecipes();
  let selected;
  if (names.length) {
    selected = names.map((n) => {
      const r = recipes.find((x) => x.name === n);
      if (!r) throw new Error(`no recipe named ${n} (see --list)`);
      return r;
    });
  } else selected = recipes.filter((r) => all || !r.explicit_only);

  if (list) {
    for (const r of recipes) {
      const bj = path.join(interps, r.name, "build.json");
      let state = "not provisioned";
      if (fs.existsSync(bj)) state = "provisioned: " + JSON.parse(fs.readFileSync(bj, "utf8")).version;
      console.log(`${r.name.padEnd(28)} ${r.kind.padEnd(12)} ${r.explicit_only ? "explicit " : "         "}${state}`);
    }
    return 0;
  }
  let failed = 0;
  if (!dry) fs.mkdirSync(logs, { recursive: true });
  for (const r of selected) {
    const argv = recipeArgv(r, interps);
    if (dry) {
      console.log(argv.map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, "'\\''")}'`)).join(" "));
      continue;
    }
    const logFile = path.join(logs, r.name + ".log");
    const fd = fs.openSync(logFile, "w");
    const t0 = Date.now();
    const res = spawnSync(argv[0], argv.slice(1), { stdio: ["ignore", fd, fd] });
    fs.closeSync(fd);
    const secs = ((Date.now() - t0) / 1000).toFixed(1);
    if (res.status === 0) {
      const b = JSON.parse(fs.readFileSync(path.join(interps, r.name, "build.json"), "utf8"));
      console.log(`${r.name}: ok in ${secs} s: ${b.version}`);
    } else {
      failed++;
      const tail = fs.readFileSync(logFile, "utf8").trimEnd().split("\n").slice(-3).join("\n    ");
      console.log(`${r.name}: FAILED (exit ${res.status}) after ${secs} s; log ${logFile}\n    ${tail}`);
    }
  }
  return failed ? 1 : 0;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    process.exitCode = main();
  } catch (err) {
    console.error(String(err.message || err));
    process.exitCode = 2;
  }
}
