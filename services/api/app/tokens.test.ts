import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { SwarmError } from "../../shared/errors/index.js";
import { MESSAGES } from "../core/decide.js";
import { joinTokens, TokenBook } from "./tokens.js";

describe("TokenBook", () => {
  const t = joinTokens();
  const tokens = { worker: t.workerToken, manager: t.managerToken };

  it("a token's role: the manager's, the worker's; any other (a prefix, a longer string, empty) is refused", async () => {
    const book = new TokenBook(async () => tokens);
    assert.equal(await book.roleOf(tokens.manager), "manager");
    assert.equal(await book.roleOf(tokens.worker), "worker");
    for (const bad of ["", "x", tokens.worker.slice(0, -1), `${tokens.worker}x`, tokens.worker.toUpperCase()]) {
      await assert.rejects(book.roleOf(bad), (e: unknown) => e instanceof SwarmError && e.code === "invalid_argument" && e.message === MESSAGES.badToken);
    }
  });

  it("reads the log once, however many concurrent callers; a failed read is retried by the next call", async () => {
    let reads = 0;
    let fail = true;
    const book = new TokenBook(async () => {
      reads++;
      if (fail) throw new Error("nats down");
      return tokens;
    });
    await assert.rejects(book.get(), /nats down/);
    fail = false;
    const all = await Promise.all([book.get(), book.roleOf(tokens.worker), book.get()]);
    assert.deepEqual(all, [tokens, "worker", tokens]);
    assert.equal(reads, 2);
  });

  it("tokens learnt from the projection need no read", async () => {
    const book = new TokenBook(async () => { throw new Error("no read expected"); });
    book.learn(tokens);
    assert.deepEqual(await book.get(), tokens);
    assert.equal(await book.roleOf(tokens.manager), "manager");
  });
});
