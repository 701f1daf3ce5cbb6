import { conclusions } from '../store/schema/columns.ts';
import type { Conclusion } from '../store/schema/index.ts';

/** A provider's conclusion as one of shipgate's; anything else counts as a failure (fail closed). */
export function conclusionOf(value: string | null | undefined): Conclusion {
  return (conclusions as readonly string[]).includes(value ?? '') ? (value as Conclusion) : 'failure';
}
