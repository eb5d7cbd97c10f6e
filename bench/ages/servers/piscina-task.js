// piscina: the task each pool thread runs (see piscina.js).
import { handle } from '../work.js';

export default function task() {
  return handle();
}
