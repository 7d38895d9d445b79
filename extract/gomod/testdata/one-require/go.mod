module example.com/hello

go 1.22.1

toolchain go1.22.4

require github.com/google/go-cmp v0.6.0

require golang.org/x/text v0.0.0-20240102150212-fc8a7c3c0b14 // indirect
