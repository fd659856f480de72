// The two questions and the 5-point scale of V2Meow's pairwise human study, worded exactly as in the paper
// (Su, Li et al., AAAI 2024, Fig. 8 and Section "Human Evaluation"): raters watch the same video with two
// soundtracks, A and B, and answer both questions on a strong A / weak A / no preference / weak B / strong B scale.

/** Question identifiers, in the order they are shown. */
export const questionIds = ['relevance', 'preference'] as const;
export type QuestionId = (typeof questionIds)[number];

export interface Question {
  readonly id: QuestionId;
  /** Wording shown to raters, verbatim from the paper. */
  readonly text: string;
  /** Short name used in reports and plots. */
  readonly label: string;
  /** The paper's note shown under the question. */
  readonly note: string;
}

/** The note both questions carry in the paper's rater instructions. */
export const ignoreQualityNote =
  'Please ignore the audio quality (e.g. noise or low fidelity) and focus on the music itself.';

export const questions: readonly Question[] = [
  {
    id: 'relevance',
    text: 'Which music do you think goes best with the video?',
    label: 'visual relevance',
    note: ignoreQualityNote,
  },
  {
    id: 'preference',
    text: 'Which background music do you prefer to hear?',
    label: 'music preference',
    note: ignoreQualityNote,
  },
];

/** The five answers, from a strong preference for A to a strong preference for B. */
export const answers = ['strongA', 'weakA', 'none', 'weakB', 'strongB'] as const;
export type Answer = (typeof answers)[number];

/** Labels shown on the scale buttons. */
export const answerLabels: Readonly<Record<Answer, string>> = {
  strongA: 'Strongly A',
  weakA: 'Slightly A',
  none: 'No preference',
  weakB: 'Slightly B',
  strongB: 'Strongly B',
};

/** Signed score of an answer: -2 (strong A) .. +2 (strong B). This is how answers are stored. */
export function answerScore(answer: Answer): number {
  return answers.indexOf(answer) - 2;
}

/** Inverse of `answerScore`. */
export function answerFromScore(score: number): Answer {
  const answer = answers[score + 2];
  if (answer === undefined) throw new RangeError(`answer score out of range: ${score}`);
  return answer;
}

/** Type guard for untrusted input. */
export function isAnswer(value: unknown): value is Answer {
  return typeof value === 'string' && (answers as readonly string[]).includes(value);
}
