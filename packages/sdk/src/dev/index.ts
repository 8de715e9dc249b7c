export { type Anvil, type StartAnvilParameters, anvilBinary, anvilDevKeys, startAnvil } from './anvil.js';
