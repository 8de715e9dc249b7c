// Hostile: recurses without a base case until the call-depth limit stops it.
function descend(depth: u64): u64 {
  return descend(depth + 1) + 1;
}
process.stdout.write(descend(0).toString());
