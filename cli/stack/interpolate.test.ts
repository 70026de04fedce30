import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { interpolate, InterpolationError, substitute } from "./interpolate.js";

const env: Record<string, string> = { SET: "value", EMPTY: "" };
const lookup = (k: string): string | undefined => env[k];

describe("substitute (docker's template rules)", () => {
  const cases: [string, string][] = [
    ["$SET", "value"],
    ["${SET}", "value"],
    ["pre-${SET}-post", "pre-value-post"],
    ["${UNSET}", ""],
    ["$UNSET", ""],
    ["${UNSET:-dflt}", "dflt"],
    ["${EMPTY:-dflt}", "dflt"],
    ["${SET:-dflt}", "value"],
    ["${UNSET-dflt}", "dflt"],
    ["${EMPTY-dflt}", ""],
    ["${SET-dflt}", "value"],
    ["${EMPTY?err}", ""],
    ["${SET:?err}", "value"],
    ["$$SET", "$SET"],
    ["$${SET}", "${SET}"],
    ["a $$ b", "a $ b"],
    ["${UNSET:-a b c}", "a b c"],
    ["no dollar", "no dollar"],
  ];
  for (const [template, want] of cases) {
    it(`${template} → ${JSON.stringify(want)}`, () => assert.equal(substitute(template, lookup), want));
  }

  it("${VAR:?err}: unset or empty is an error carrying the user's message", () => {
    assert.throws(() => substitute("${UNSET:?set UNSET first}", lookup), /required variable UNSET is missing a value: set UNSET first/);
    assert.throws(() => substitute("${EMPTY:?must not be empty}", lookup), /required variable EMPTY is missing a value: must not be empty/);
  });
  it("${VAR?err}: only unset is an error", () => {
    assert.throws(() => substitute("${UNSET?needed}", lookup), /required variable UNSET is missing a value: needed/);
  });
  it("a lone or malformed $ is an invalid interpolation format", () => {
    assert.throws(() => substitute("cost: 5$", lookup), /invalid interpolation format/);
    assert.throws(() => substitute("${}", lookup), /invalid interpolation format/);
    assert.throws(() => substitute("${1BAD}", lookup), /invalid interpolation format/);
  });
});

describe("interpolate (a whole document)", () => {
  it("substitutes values, never keys, and casts where docker casts", () => {
    const doc = { services: { web: { image: "x:${SET}", "${SET}": "k", deploy: { replicas: "${N:-3}" }, read_only: "${RO:-yes}", ports: [{ target: "${P:-80}" }] } } };
    assert.deepEqual(interpolate(doc, lookup), {
      services: { web: { image: "x:value", "${SET}": "k", deploy: { replicas: 3 }, read_only: true, ports: [{ target: 80 }] } },
    });
  });
  it("leaves numbers and booleans as they are", () => {
    assert.deepEqual(interpolate({ a: [1, true, null] }, lookup), { a: [1, true, null] });
  });
  it("an error names the path of the value", () => {
    try {
      interpolate({ services: { web: { environment: ["A=${UNSET:?no}"] } } }, lookup);
      assert.fail("expected an error");
    } catch (e) {
      assert.ok(e instanceof InterpolationError);
      assert.deepEqual(e.path, ["services", "web", "environment", 0]);
    }
  });
  it("a cast that fails is an error at that key", () => {
    assert.throws(() => interpolate({ services: { web: { deploy: { replicas: "${N:-many}" } } } }, lookup), (e: unknown) =>
      e instanceof InterpolationError && e.message === 'must be an integer (got "many")' && e.path.join(".") === "services.web.deploy.replicas");
  });
});
