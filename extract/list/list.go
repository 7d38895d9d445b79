// Package list is the explicit registry of extractors: adding a format is
// one package under extract/ and one line here. There is no init-time
// registration.
package list

import (
	"github.com/vouchdev/vouch/extract"
	"github.com/vouchdev/vouch/extract/apk"
	"github.com/vouchdev/vouch/extract/cargolock"
	"github.com/vouchdev/vouch/extract/composerlock"
	"github.com/vouchdev/vouch/extract/dpkg"
	"github.com/vouchdev/vouch/extract/gemfilelock"
	"github.com/vouchdev/vouch/extract/ghactions"
	"github.com/vouchdev/vouch/extract/gobinary"
	"github.com/vouchdev/vouch/extract/gomod"
	"github.com/vouchdev/vouch/extract/gowork"
	"github.com/vouchdev/vouch/extract/gradlelock"
	"github.com/vouchdev/vouch/extract/gradleverify"
	"github.com/vouchdev/vouch/extract/jar"
	"github.com/vouchdev/vouch/extract/nugetlock"
	"github.com/vouchdev/vouch/extract/packagelock"
	"github.com/vouchdev/vouch/extract/pdmlock"
	"github.com/vouchdev/vouch/extract/pipfilelock"
	"github.com/vouchdev/vouch/extract/pnpmlock"
	"github.com/vouchdev/vouch/extract/poetrylock"
	"github.com/vouchdev/vouch/extract/pomxml"
	"github.com/vouchdev/vouch/extract/requirements"
	"github.com/vouchdev/vouch/extract/rpm"
	"github.com/vouchdev/vouch/extract/sbomfile"
	"github.com/vouchdev/vouch/extract/uvlock"
	"github.com/vouchdev/vouch/extract/yarnlock"
)

// All returns a new instance of every extractor, in a fixed order.
func All() []extract.Extractor {
	return []extract.Extractor{
		packagelock.New(),
		yarnlock.New(),
		pnpmlock.New(),
		gomod.New(),
		gowork.New(),
		gobinary.New(),
		requirements.New(),
		poetrylock.New(),
		pipfilelock.New(),
		uvlock.New(),
		pdmlock.New(),
		cargolock.New(),
		gemfilelock.New(),
		composerlock.New(),
		nugetlock.New(),
		pomxml.New(),
		gradlelock.New(),
		gradleverify.New(),
		jar.New(),
		dpkg.New(),
		apk.New(),
		rpm.New(),
		sbomfile.New(),
		ghactions.New(),
	}
}
