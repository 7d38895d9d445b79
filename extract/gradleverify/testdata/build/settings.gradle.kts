rootProject.name = "jdkcerts"
include("cli")
