// Hostile: never stops. Only fuel (or the wall clock) ends it.
let counter: u64 = 0;
while (true) {
  counter++;
  if (counter == 0) break;
}
process.stdout.write(counter.toString());
