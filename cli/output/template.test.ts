import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { GO_TYPE, goTemplate } from "./template.js";

const svc = { [GO_TYPE]: "*service.serviceContext", ID: "abc", Name: "web", Labels: { b: "2", a: "1" }, Args: ["sleep", "9"], Pids: 0 };
const run = (src: string, data: unknown = svc, missingKeyError = false) => goTemplate(src).execute(data, { missingKeyError });

describe("Go template subset", () => {
  it("fields, paths, variables, pipelines and docker's functions", () => {
    assert.equal(run("{{.ID}}\t{{ .Name }}"), "abc\tweb");
    assert.equal(run("{{.Spec.Name}}/{{.Spec.Mode.Replicated.Replicas}}", { Spec: { Name: "n", Mode: { Replicated: { Replicas: 2 } } } }), "n/2");
    assert.equal(run(`{{upper .Name}} {{.Name | upper}} {{lower "AB"}} {{title "a b"}} {{join .Args ","}} {{len .Args}}`), "WEB WEB ab A B sleep,9 2");
    assert.equal(run(`{{index .Labels "a"}}|{{index .Labels "zz"}}|{{index .Args 1}}`), "1||9");
    assert.equal(run(`{{split "a:b" ":"}} {{pad .Name 1 2}}|{{truncate .Name 2}}|{{printf "%s=%d" .Name 3}}`), "[a b]  web  |we|web=3");
    assert.equal(run("{{$n := .Name}}{{$n}}-{{$.ID}}"), "web-abc");
  });
  it("Go's printing: slices [a b], maps sorted map[k:v], nil as <no value>, {{json}} compact", () => {
    assert.equal(run("{{.Args}} {{.Labels}} {{.Nothing}}", { Args: ["a", 1], Labels: { z: "1", a: "2" } }), "[a 1] map[a:2 z:1] <no value>");
    assert.equal(run("{{json .Spec}} {{json .Missing}}", { Spec: { Name: "x", Ports: [80] } }), `{"Name":"x","Ports":[80]} null`);
    assert.equal(run("{{json .}}"), `{"Args":["sleep","9"],"ID":"abc","Labels":{"b":"2","a":"1"},"Name":"web","Pids":0}`);
  });
  it("if / else if / else, range over slices and sorted maps, with, and the trim markers", () => {
    assert.equal(run(`{{if eq .Name "db"}}db{{else if .ID}}id{{else}}none{{end}}`), "id");
    assert.equal(run("{{if .Pids}}p{{else}}no pids{{end}} {{if gt .Pids 0}}>0{{end}}{{if not .Pids}}!{{end}}"), "no pids !");
    assert.equal(run("{{range $k, $v := .Labels}}{{$k}}={{$v}};{{end}}"), "a=1;b=2;");
    assert.equal(run("{{range .Args}}[{{.}}]{{else}}empty{{end}} {{range .None}}x{{else}}empty{{end}}", { Args: ["a"] }), "[a] empty");
    assert.equal(run("{{with .Labels}}{{.a}}{{end}}"), "1");
    assert.equal(run("A:\n{{- if .Labels }}\n x\n{{- end }}\nB: {{ range $a := .Args }}{{ $a }} {{ end -}}\n."), "A:\n x\nB: sleep 9 .");
  });
  it("errors in Go's words, with the action's position", () => {
    const fails = (src: string, message: string, data: unknown = svc, strict = false) => assert.throws(() => run(src, data, strict), { message }, src);
    fails("x {{.Nope}}", `template: :1:4: executing "" at <.Nope>: can't evaluate field Nope in type *service.serviceContext`);
    fails("a\n {{ .Name.X }}", `template: :2:4: executing "" at <.Name.X>: can't evaluate field X in type string`);
    fails("{{.Spec.Nope}}", `template: :1:2: executing "" at <.Spec.Nope>: map has no entry for key "Nope"`, { Spec: {} }, true);
    fails("{{.A.B}}", `template: :1:2: executing "" at <.A.B>: nil pointer evaluating interface {}.B`, {});
    fails("{{nope .}}", `template: :1: function "nope" not defined`);
    fails("{{join .Name \",\"}}", `template: :1:2: executing "" at <join>: error calling join: expected slice, got string`);
    fails("{{upper}}", `template: :1:2: executing "" at <upper>: wrong number of args for upper: want 1 got 0`);
    fails("{{if .ID}}x", "template: :1: unexpected EOF");
    fails("x{{end}}", "template: :1: unexpected {{end}}");
  });
});
