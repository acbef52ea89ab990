# Per suite module, build and mode: how many test ids passed, failed, errored or were
# skipped, from a pyconform report (rows of suite blocks only: cases named "cpython MODULE";
# a row without an observation, a test id that only other builds have, is not counted;
# "other": xfail, xpass, or a row whose job did not give an outcome).
#   jq -r -f tools/suite-counts.jq reports/latest.json
. as $r
| [ $r.results[]
    | . as $row
    | $r.jobs[$row.job] as $job
    | select($job.case | startswith("cpython test_"))
    | select($row.function != "<module>" and $row.observation > 0)
    | { module: ($job.case | ltrimstr("cpython ")),
        build: $job.interpreter,
        mode: $job.mode,
        outcome: ($r.observations[$row.observation].outcome.test // "none") } ]
| group_by([.module, .build, .mode])
| (["module", "build", "mode", "pass", "fail", "error", "skip", "other"] | @tsv),
  (.[] | . as $g
   | [ $g[0].module, $g[0].build, $g[0].mode,
       ([$g[] | select(.outcome == "pass")] | length),
       ([$g[] | select(.outcome == "fail")] | length),
       ([$g[] | select(.outcome == "error")] | length),
       ([$g[] | select(.outcome == "skip")] | length),
       ([$g[] | select(.outcome | IN("pass", "fail", "error", "skip") | not)] | length) ]
   | @tsv)
