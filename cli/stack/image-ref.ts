/*
 * Image references as the Engine API client docker's `stack deploy` uses sends them: checked as
 * distribution/reference parses them, and given the `:latest` tag when they have neither tag
 * nor digest (client.ServiceCreate's imageWithTagString); the `com.docker.stack.image` label
 * keeps the reference as written.
 */

const COMPONENT = "[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*";
const DOMAIN = "(?:(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)(?:\\.(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?))*|\\[[0-9a-fA-F:]+\\])(?::[0-9]+)?";
const REFERENCE = new RegExp(`^((?:${DOMAIN}/)?${COMPONENT}(?:/${COMPONENT})*)(?::([\\w][\\w.-]{0,127}))?(?:@([A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}))?$`);

/** The reference docker would send for `image`; throws an Error with docker's wording when it is not one. */
export function taggedImage(image: string): string {
  if (/^[a-f0-9]{64}$/.test(image)) return image;
  const m = REFERENCE.exec(image);
  if (!m) throw new Error(`invalid reference format${/[A-Z]/.test(image) ? ": repository name (library/…) must be lowercase" : ""}`);
  const [, name = "", tag, digest] = m;
  if (name.length > 255) throw new Error("repository name must not be more than 255 characters");
  const familiar = name.replace(/^docker\.io\/library\/(?=[^/]+$)/, "").replace(/^docker\.io\//, "");
  if (digest) return tag ? `${familiar}:${tag}@${digest}` : `${familiar}@${digest}`;
  return `${familiar}:${tag ?? "latest"}`;
}
