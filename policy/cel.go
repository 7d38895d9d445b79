package policy

import (
	"fmt"
	"reflect"
	"strings"
	"sync"
	"time"

	"github.com/google/cel-go/cel"
	"github.com/google/cel-go/ext"
	"github.com/google/cel-go/interpreter"
	"go.yaml.in/yaml/v3"

	"github.com/vouchdev/vouch/finding"
	"github.com/vouchdev/vouch/inventory"
)

const (
	// celCostLimit bounds one evaluation of a custom rule (CEL counts
	// roughly one unit per operation and per element a macro visits; real
	// rules cost tens to hundreds). A rule runs once per component, so
	// this keeps a runaway expression over a 2,000-component graph to
	// about a second before each evaluation fails.
	celCostLimit = 10_000
	// celMaxExpression bounds an expression's length at compile time.
	celMaxExpression = 4096
)

// CustomRule is a rule written in CEL, evaluated once per component: the
// component breaks the rule when the expression is true. The variables
// are documented in docs/policy.md: component, findings and now.
type CustomRule struct {
	// Name identifies the rule; its decisions carry "custom:" + Name.
	Name string
	// Expr is the CEL expression, as written.
	Expr string
	// Message is the reason given when the rule is broken.
	Message  string
	Severity finding.Severity
	Action   Action
	// Line is where the rule's entry starts in the policy file.
	Line int

	prg cel.Program
	// fixed holds the reasons of a true and a false expression, made when
	// the rule is compiled rather than for every component.
	fixed ruleReasons
}

type ruleReasons struct{ broken, passed string }

func newRuleReasons(expr string) ruleReasons {
	return ruleReasons{"expression is true: " + clip(expr, 200), "expression is false: " + clip(expr, 200)}
}

// reasons returns the rule's fixed reasons.
func (r *CustomRule) reasons() ruleReasons {
	if r.fixed.broken == "" {
		return newRuleReasons(r.Expr) // a rule built in Go, not parsed
	}
	return r.fixed
}

// celComponent is the type of the "component" variable. It is a declared
// type rather than a map so that a misspelt field is an error when the
// policy loads, not a surprise at evaluation.
type celComponent struct {
	PURL       string            `cel:"purl"`
	Ecosystem  string            `cel:"ecosystem"`
	Name       string            `cel:"name"`
	Version    string            `cel:"version"`
	Direct     bool              `cel:"direct"`
	Scope      string            `cel:"scope"`
	Licenses   []string          `cel:"licenses"`
	Hashes     int64             `cel:"hashes"`
	Unpinned   bool              `cel:"unpinned"`
	Source     string            `cel:"source"`
	Properties map[string]string `cel:"properties"`
	Published  time.Time         `cel:"published"`
	AgeDays    float64           `cel:"age_days"`
}

// celFinding is the type of each element of the "findings" variable.
type celFinding struct {
	ID         string   `cel:"id"`
	Severity   string   `cel:"severity"`
	Kind       string   `cel:"kind"`
	Fixed      []string `cel:"fixed"`
	Aliases    []string `cel:"aliases"`
	Summary    string   `cel:"summary"`
	Suppressed bool     `cel:"suppressed"`
}

// celEnv declares the variables custom rules see.
var celEnv = sync.OnceValues(func() (*cel.Env, error) {
	return cel.NewEnv(
		ext.NativeTypes(reflect.TypeFor[celComponent](), reflect.TypeFor[celFinding](), ext.ParseStructTags(true)),
		cel.Variable("component", cel.ObjectType("policy.celComponent")),
		cel.Variable("findings", cel.ListType(cel.ObjectType("policy.celFinding"))),
		cel.Variable("now", cel.TimestampType),
		cel.CrossTypeNumericComparisons(true),
		cel.DefaultUTCTimeZone(true),
		cel.ParserExpressionSizeLimit(celMaxExpression),
		cel.ParserRecursionLimit(64),
	)
})

// compileRule type-checks r.Expr, reporting errors at their line and
// column in the policy file.
func (d *decoder) compileRule(r *CustomRule, n *yaml.Node, where string) error {
	env, err := celEnv()
	if err != nil {
		return d.errAt(n, "%s: cannot set up CEL: %v", where, err)
	}
	ast, iss := env.Compile(r.Expr)
	if iss != nil && iss.Err() != nil {
		line, col := n.Line, n.Column
		msg := iss.Err().Error()
		if errs := iss.Errors(); len(errs) > 0 {
			e := errs[0]
			msg = e.Message
			if loc := e.Location; loc != nil && loc.Line() > 0 {
				line, col = d.exprPosition(n, r.Expr, loc.Line(), loc.Column())
			}
		}
		return &Error{Path: d.path, Line: line, Col: col, Msg: fmt.Sprintf("%s (%s).expr: %s", where, r.Name, msg)}
	}
	if t := ast.OutputType(); !t.IsExactType(cel.BoolType) && !t.IsExactType(cel.DynType) {
		return d.errAt(n, "%s (%s).expr: must be true or false, but gives %s", where, r.Name, t)
	}
	prg, err := env.Program(ast, cel.CostLimit(celCostLimit), cel.EvalOptions(cel.OptOptimize))
	if err != nil {
		return d.errAt(n, "%s (%s).expr: %v", where, r.Name, err)
	}
	r.prg = prg
	r.fixed = newRuleReasons(r.Expr)
	return nil
}

// exprPosition maps a CEL position (1-based line, 0-based column within
// the expression) to the policy file. Plain and quoted scalars start at
// the node; block scalars ("|", ">") start on the next line at its
// indentation, and continuation lines start after their indentation. The
// expression's lines are consumed from the source lines one for one,
// which is exact for single-line and literal expressions and close for
// folded ones.
func (d *decoder) exprPosition(n *yaml.Node, expr string, line, col int) (int, int) {
	off := 0
	exprLines := strings.Split(expr, "\n")
	for i := 0; i < line-1 && i < len(exprLines); i++ {
		off += len(exprLines[i]) + 1
	}
	off += col
	src := strings.Split(string(d.data), "\n")
	indent := func(ln int) int {
		if ln < 1 || ln > len(src) {
			return 0
		}
		s := strings.TrimRight(src[ln-1], "\r")
		return len(s) - len(strings.TrimLeft(s, " \t"))
	}
	ln, c := n.Line, n.Column
	block := n.Style == yaml.LiteralStyle || n.Style == yaml.FoldedStyle
	blockIndent := 0
	switch {
	case block:
		// The indicator ("|") is at the node; content starts on the next
		// line, and every line of it is indented by the first line's
		// indentation, the rest being part of the expression.
		ln = n.Line + 1
		blockIndent = indent(ln)
		c = blockIndent + 1
	case n.Style == yaml.DoubleQuotedStyle || n.Style == yaml.SingleQuotedStyle:
		c = n.Column + 1
	}
	for ln >= 1 && ln <= len(src) {
		text := strings.TrimRight(src[ln-1], "\r")
		rest := max(len(text)-(c-1), 0)
		if off <= rest {
			return ln, c + off
		}
		off -= rest + 1
		ln++
		if block {
			c = blockIndent + 1
		} else {
			c = indent(ln) + 1
		}
	}
	return n.Line, n.Column
}

// celVars are the variables of one evaluation. One value is reused from
// component to component (evaluations are sequential), so the thousands
// of evaluations of a scan allocate little.
type celVars struct {
	component celComponent
	findings  []*celFinding
	now       time.Time
}

// ResolveName implements interpreter.Activation.
func (v *celVars) ResolveName(name string) (any, bool) {
	switch name {
	case "component":
		return &v.component, true
	case "findings":
		return v.findings, true
	case "now":
		return v.now, true
	}
	return nil, false
}

// Parent implements interpreter.Activation.
func (v *celVars) Parent() interpreter.Activation { return nil }

// set fills the variables for component c with its findings.
func (v *celVars) set(c *inventory.Component, pub PublishInfo, hasPub bool, now time.Time, fs []*finding.Finding) {
	v.now = now
	v.component = celComponent{
		PURL: c.PURL, Ecosystem: c.Ecosystem, Name: c.Name, Version: c.Version, Direct: c.Direct,
		Scope: string(c.Scope), Licenses: c.Licenses, Hashes: int64(len(c.Hashes)), Unpinned: c.Unpinned,
		Source: c.Source, Properties: c.Properties, Published: time.Unix(0, 0).UTC(), AgeDays: -1,
	}
	if v.component.Licenses == nil {
		v.component.Licenses = []string{}
	}
	if v.component.Properties == nil {
		v.component.Properties = map[string]string{}
	}
	if hasPub && pub.Known {
		v.component.Published = pub.Time
		v.component.AgeDays = now.Sub(pub.Time).Hours() / 24
	}
	v.findings = v.findings[:0]
	for _, f := range fs {
		cf := &celFinding{
			ID: f.ID, Severity: f.Severity.String(), Kind: string(f.Kind), Fixed: f.Fixed,
			Aliases: f.Aliases, Summary: f.Summary, Suppressed: f.Suppressed != nil,
		}
		if cf.Fixed == nil {
			cf.Fixed = []string{}
		}
		if cf.Aliases == nil {
			cf.Aliases = []string{}
		}
		v.findings = append(v.findings, cf)
	}
}

// eval runs the rule over one component's variables. Evaluation is
// bounded by the cost limit, so it does not watch a context.
func (r *CustomRule) eval(vars *celVars) (bool, error) {
	if r.prg == nil {
		return false, fmt.Errorf("rule was not compiled")
	}
	out, _, err := r.prg.Eval(vars)
	if err != nil {
		return false, err
	}
	b, ok := out.Value().(bool)
	if !ok {
		return false, fmt.Errorf("expression gave %v (%s), not true or false", out.Value(), out.Type().TypeName())
	}
	return b, nil
}
