# Ordinary CMake: version from git, code generation, a downloaded data file.
find_package(Git QUIET)
if(GIT_FOUND)
  execute_process(COMMAND ${GIT_EXECUTABLE} describe --tags --always
                  WORKING_DIRECTORY ${CMAKE_SOURCE_DIR}
                  OUTPUT_VARIABLE VERSION_STRING
                  OUTPUT_STRIP_TRAILING_WHITESPACE)
endif()
add_custom_command(OUTPUT ${CMAKE_CURRENT_BINARY_DIR}/schema.h
  COMMAND flatc --cpp -o ${CMAKE_CURRENT_BINARY_DIR} ${CMAKE_CURRENT_SOURCE_DIR}/schema.fbs
  COMMAND ${CMAKE_COMMAND} -E echo "generated schema | done"
  DEPENDS schema.fbs
  VERBATIM)
file(DOWNLOAD https://example.invalid/words.txt ${CMAKE_BINARY_DIR}/words.txt
     EXPECTED_HASH SHA256=0000000000000000000000000000000000000000000000000000000000000000)
execute_process(COMMAND ${CMAKE_COMMAND} -E tar xzf ${CMAKE_SOURCE_DIR}/tests/data/corpus.tar.gz
                WORKING_DIRECTORY ${CMAKE_BINARY_DIR})
string(REPLACE "|" ";" parts "${VERSION_STRING}")
