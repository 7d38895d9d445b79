package cli

import (
	"fmt"
	"os"
	"runtime"
	"runtime/pprof"
)

// startProfiles starts the CPU profile asked for with --cpuprofile. The
// flags are hidden: they are for vouch's developers (see docs/performance.md).
func (g *globals) startProfiles() error {
	if g.cpuprofile == "" {
		return nil
	}
	f, err := os.Create(g.cpuprofile)
	if err != nil {
		return usageErr("cpuprofile: %v", err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return fmt.Errorf("cpuprofile: %w", err)
	}
	g.cpuFile = f
	return nil
}

// stopProfiles ends the CPU profile and writes the heap profile.
func (g *globals) stopProfiles() error {
	if g.cpuFile != nil {
		pprof.StopCPUProfile()
		if err := g.cpuFile.Close(); err != nil {
			return fmt.Errorf("cpuprofile: %w", err)
		}
		g.cpuFile = nil
	}
	if g.memprofile == "" {
		return nil
	}
	path := g.memprofile
	g.memprofile = "" // written once
	f, err := os.Create(path)
	if err != nil {
		return usageErr("memprofile: %v", err)
	}
	defer f.Close()
	runtime.GC()
	if err := pprof.Lookup("allocs").WriteTo(f, 0); err != nil {
		return fmt.Errorf("memprofile: %w", err)
	}
	return nil
}
