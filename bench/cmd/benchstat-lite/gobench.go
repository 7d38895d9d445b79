package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
)

// goBench prints the Benchmark lines of "go test -bench" output as a
// table: name, runs, time per op and the other metrics as reported.
func goBench(w io.Writer, file string) error {
	f, err := os.Open(file)
	if err != nil {
		return err
	}
	defer f.Close()
	fmt.Fprintln(w, "| benchmark | runs | time/op | other metrics |")
	fmt.Fprintln(w, "|---|---:|---:|---|")
	n := 0
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) < 4 || !strings.HasPrefix(fields[0], "Benchmark") {
			continue
		}
		// name runs (value unit)...
		if _, err := strconv.Atoi(fields[1]); err != nil {
			continue
		}
		var per string
		var other []string
		for i := 2; i+1 < len(fields); i += 2 {
			val, unit := fields[i], fields[i+1]
			if unit == "ns/op" {
				if ns, err := strconv.ParseFloat(val, 64); err == nil {
					per = fmt.Sprintf("%.1f ms", ns/1e6)
				}
				continue
			}
			other = append(other, val+" "+unit)
		}
		fmt.Fprintf(w, "| %s | %s | %s | %s |\n", fields[0], fields[1], per, strings.Join(other, ", "))
		n++
	}
	if err := sc.Err(); err != nil {
		return err
	}
	if n == 0 {
		return fmt.Errorf("%s: no benchmark results", file)
	}
	return nil
}
