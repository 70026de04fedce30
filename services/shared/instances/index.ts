export { Lease, LEASE_DEFAULTS, leaseHolders, type LeaseOptions, leaseProbe, openLeaseKv } from "./lease.js";
export { listMembers, type MemberRecord, type Membership, MEMBERSHIP_DEFAULTS, type MemberStatus, openMembersKv, startMembership } from "./membership.js";
export { type PartitionChange, PartitionView } from "./partition.js";
export { kvMembers, LeaseOwnership, type MemberSource, openOwnership, ownAll, type Ownership, type OwnershipChange, type OwnershipOptions, PartitionedOwnership } from "./ownership.js";
