export { printJson, reportError } from './output.js';
