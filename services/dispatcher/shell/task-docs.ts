import { jetstreamManager, type JetStreamManager } from "@nats-io/jetstream";
import { AckedPublisher, PublishError } from "../../shared/nats/index.js";
import { Fifo } from "../../shared/reconcile/index.js";
import { errorMessage } from "../../shared/errors/index.js";
import { rendezvousOwner } from "../../shared/ownership/index.js";
import { versionOf } from "../../shared/model/index.js";
import { type PartitionChange } from "../../shared/instances/index.js";
import { NODE_TASK_SHARD_IDS, NodeTaskDoc, nodeTasksStream, nodeTasksStreamOf, parseEventSubject, subjects, type StoredEvent } from "../../../schemas/index.js";
import { deriveDoc, docJson, docMsgId, sameDocContent, supersedes, tombstone } from "../core/task-docs.js";
import { docOrphaned, onRemovedNode, tasksOnNode } from "../core/removed-nodes.js";
import type { DispatcherContext } from "./context.js";

/**
 * Doc publishes awaiting their ack at once. The window bounds the doc rate at window / ack round
 * trip: 256 with a loaded server's 30 ms round trips capped it near 8,500 docs/s, below what the
 * agents could take (scale bench: 5,900 → 6,400 tasks/s at 1024).
 */
const MAX_DOCS_IN_FLIGHT = 1024;
/** Docs falling due within one such window (ms) are published together, grouped by node. */
export const DOC_BUCKET_MS = 20;
/** Publishes of one doc refused for a wrong last sequence before the work queue retries later. */
const MAX_DOC_ATTEMPTS = 3;

/**
 * Keeps NODE_TASKS equal to the projection: one doc per task on its node's subject, a new one when
 * desired state or spec changes, a tombstone when the task is deleted. The dispatcher's controller
 * runs it: one work key per task (owned by the task's node's owner), so a task's docs are published
 * in order and a burst of its events costs one publish. Only the docs of the nodes this instance
 * owns: a node gained is swept as at start, a node lost is forgotten.
 */
export class TaskDocPublisher {
  /** Last doc published per task: what is on the stream, and where a tombstone must go. */
  private readonly published = new Map<string, NodeTaskDoc>();
  /**
   * Stream sequence of each task's doc as last published or read here: every doc publish expects
   * it (unknown: 0, "no doc yet", which holds for every newly assigned task and costs a read-back
   * otherwise). A stale owner's doc — an ownership move, a publish queued before it — is refused
   * instead of replacing a newer one.
   */
  private readonly seqs = new Map<string, number>();
  private jsm: JetStreamManager | undefined;
  private readonly pub: AckedPublisher;

  /** `enqueue`: the controller's, for a task's doc to be synced. */
  constructor(private readonly ctx: DispatcherContext, private readonly enqueue: (taskId: string) => void) {
    this.pub = new AckedPublisher(ctx.deps.nc);
  }

  /** The node a task's doc goes to (its last doc's once the task is gone): the key's owner. */
  readonly nodeOf = (taskId: string): string | undefined =>
    this.ctx.informer.state.tasks.get(taskId)?.nodeId ?? this.published.get(taskId)?.nodeId;

  /**
   * Docs that fall due together go out grouped by node: a node's agent then reads a run of its
   * docs, not one doc between every other node's of its shard (nats-server scans a wildcard
   * consumer's filter over every message since its last delivery; the agent's socket gets one
   * write instead of several).
   */
  readonly order = (a: string, b: string): number => {
    const x = this.nodeOf(a) ?? "", y = this.nodeOf(b) ?? "";
    return x < y ? -1 : x > y ? 1 : 0;
  };

  /** The tasks whose doc an event may change: any event on a task's subject re-syncs that task's doc. */
  keysOfEvent(e: StoredEvent): string[] {
    // A status change never changes a published doc (sameDocContent): most task events are those.
    if (e.event.type === "TaskStatusChanged" && this.published.has(e.event.data.taskId)) return [];
    // A task is created pending, with no doc; the same for a placement explanation (belongsOnNode).
    if (e.event.type === "TaskCreated" || e.event.type === "TaskUnschedulable") return [];
    // A removed node's tasks: their docs become tombstones.
    if (e.event.type === "NodeRemoved") return tasksOnNode(this.ctx.informer.state, e.event.data.nodeId);
    const subj = parseEventSubject(e.event.subject);
    return subj?.kind === "task" ? [subj.id] : [];
  }

  /** After sync: every task of an owned node once, and a tombstone for every doc whose task is gone. */
  sweep(): Promise<void> {
    return this.sweepNodes((nodeId) => this.owns(nodeId));
  }

  /**
   * Ownership moved (DESIGN §5): forget what was published for the nodes lost (their new owner
   * publishes now; should they come back, they are swept afresh), and sweep the nodes gained —
   * their docs are re-derived from the log, so a takeover needs nothing from the old owner.
   */
  async moved(change: PartitionChange): Promise<void> {
    for (const [taskId, doc] of this.published) if (!this.owns(doc.nodeId)) { this.published.delete(taskId); this.seqs.delete(taskId); }
    const self = this.ctx.deps.instanceId;
    await this.sweepNodes((nodeId) => this.owns(nodeId) && rendezvousOwner(nodeId, change.before) !== self);
  }

  private owns(nodeId: string): boolean {
    return this.ctx.partition.owns(nodeId);
  }

  private async sweepNodes(which: (nodeId: string) => boolean): Promise<void> {
    for (const t of this.ctx.informer.state.tasks.values()) if (t.nodeId !== undefined && which(t.nodeId)) this.enqueue(t.id);
    const jsm = await this.manager();
    for (const shard of NODE_TASK_SHARD_IDS) {
      const stream = nodeTasksStream(shard);
      const info = await jsm.streams.info(stream, { subjects_filter: subjects.nodeTasksShard(shard) });
      for (const subject of Object.keys(info.state.subjects ?? {})) {
        const [, , , nodeId, taskId] = subject.split(".");
        if (!taskId || !nodeId || !which(nodeId) || !docOrphaned(this.ctx.informer.state, nodeId, taskId)) continue;
        const stored = await jsm.streams.getMessage(stream, { last_by_subj: subject });
        const doc = NodeTaskDoc.safeParse(stored?.json());
        if (!doc.success || doc.data.removed) continue;
        this.published.set(taskId, doc.data);
        this.seqs.set(taskId, stored!.seq);
        this.enqueue(taskId);
      }
    }
  }

  /** The work of one key: publish the task's doc if it changed, its tombstone if it is gone. */
  async sync(taskId: string): Promise<void> {
    const state = this.ctx.informer.state;
    const version = versionOf(state, subjects.event("task", taskId));
    const last = this.published.get(taskId);
    const task = state.tasks.get(taskId);
    const nodeId = task?.nodeId ?? last?.nodeId;
    if (nodeId === undefined || !this.owns(nodeId)) return;
    if (!task || onRemovedNode(state, task)) {
      if (!last) return;
      const onStream = await this.publish(tombstone(last, version));
      if (onStream.removed) this.published.delete(taskId);
      else this.published.set(taskId, onStream);
      return;
    }
    const doc = deriveDoc(task, version, state.services.get(task.serviceId)?.spec.EndpointSpec);
    if (!doc || (last && sameDocContent(last, doc))) return;
    this.published.set(taskId, await this.publish(doc));
  }

  /** Doc publishes awaiting their ack, and those queued behind them (at most MAX_DOCS_IN_FLIGHT). */
  private inFlight = 0;
  private readonly queued = new Fifo<() => void>();

  /** Publishes `doc` unless the stream holds a newer one; resolves with the doc now on the stream. */
  private async publish(doc: NodeTaskDoc): Promise<NodeTaskDoc> {
    // Thousands of tasks placed at once would otherwise be thousands of publishes at once: the
    // client's outbound buffer and nats-server would hold the whole burst.
    if (this.inFlight >= MAX_DOCS_IN_FLIGHT) await new Promise<void>((r) => this.queued.push(r));
    this.inFlight++;
    try {
      return await this.publishExpecting(doc);
    } catch (err) {
      throw new Error(`publishing task doc ${doc.taskId} for node ${doc.nodeId} failed: ${errorMessage(err)}`, { cause: err });
    } finally {
      this.inFlight--;
      this.queued.take()?.();
    }
  }

  /**
   * One doc, expecting the subject's last sequence. On "wrong last sequence" (another owner wrote,
   * or our own earlier try landed: the expectation is checked before de-duplication on R3), read
   * the stored doc back: a doc as new as ours stays, and is what is on the stream.
   */
  private async publishExpecting(doc: NodeTaskDoc): Promise<NodeTaskDoc> {
    const subject = subjects.nodeTask(doc.nodeId, doc.taskId);
    for (let attempt = 1; ; attempt++) {
      try {
        const ack = await this.pub.publish(subject, docJson(doc), docMsgId(doc), { lastSubjectSequence: this.seqs.get(doc.taskId) ?? 0 });
        // A duplicate's ack names the first copy's sequence, which may no longer be the last.
        if (ack.duplicate) this.seqs.delete(doc.taskId);
        else this.seqs.set(doc.taskId, ack.seq);
        return doc;
      } catch (err) {
        if (!(err instanceof PublishError && err.isWrongLastSequence()) || attempt >= MAX_DOC_ATTEMPTS) throw err;
      }
      const stored = await (await this.manager()).streams.getMessage(nodeTasksStreamOf(doc.nodeId), { last_by_subj: subject });
      this.seqs.set(doc.taskId, stored?.seq ?? 0);
      const onStream = stored ? NodeTaskDoc.safeParse(stored.json()) : undefined;
      if (onStream?.success && !supersedes(doc, onStream.data)) return onStream.data;
    }
  }

  private async manager(): Promise<JetStreamManager> {
    return (this.jsm ??= await jetstreamManager(this.ctx.deps.nc));
  }

  /** Once the controller has stopped (no sync in flight). */
  close(): void {
    this.pub.close();
  }
}
