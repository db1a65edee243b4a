# One CTest fuzz run: a fresh copy of the committed corpus (which libFuzzer may grow), a bounded
# run, and a failure that names the saved crashing input.
#   cmake -DFUZZER=... -DCORPUS=... -DWORK=... -DSECONDS=... [-DDICT=...] -P run_one.cmake
file(REMOVE_RECURSE "${WORK}")
file(MAKE_DIRECTORY "${WORK}/corpus" "${WORK}/artifacts")
set(dict_option "")
if(EXISTS "${DICT}")
  set(dict_option "-dict=${DICT}")
endif()
file(GLOB seeds "${CORPUS}/*")
file(COPY ${seeds} DESTINATION "${WORK}/corpus")
execute_process(
  COMMAND "${FUZZER}" -max_total_time=${SECONDS} -timeout=5 -rss_limit_mb=2048
          -print_final_stats=1 ${dict_option} -artifact_prefix=${WORK}/artifacts/ "${WORK}/corpus"
  RESULT_VARIABLE result)
if(NOT result EQUAL 0)
  file(GLOB findings "${WORK}/artifacts/*")
  message(FATAL_ERROR "fuzzer failed (${result}); crashing input: ${findings}")
endif()
