# Fails when docs/changes.md is not what `pyconform changes` prints now.
execute_process(COMMAND ${PYCONFORM} changes OUTPUT_VARIABLE now RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "pyconform changes failed (${rc})")
endif()
file(READ ${DOC} committed)
if(NOT now STREQUAL committed)
  message(FATAL_ERROR "docs/changes.md is out of date: run `build/pyconform changes --output docs/changes.md`")
endif()
