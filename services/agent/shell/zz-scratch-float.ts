async function work(): Promise<void> {}
export function go(): void {
  work();
}
