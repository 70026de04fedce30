export { MemberTable } from "./member-table.js";
export { rendezvousOwner } from "./rendezvous.js";
