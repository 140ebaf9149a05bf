/** One step of a Timeline (Timeline.astro). */
export interface TimelineStep {
  title: string;
  state: 'done' | 'current' | 'upcoming';
  date?: string;
  paragraphs?: string[];
  /** Words someone wrote for the step (what is missing, a decision's reason), shown as a quote under this label. */
  quote?: { label: string; text: string };
}
