// Public API of the listening-study module (issue 6): create a study, assign pairs and store ratings, report.
export * from './assignment.js';
export { type CreateStudyOptions, type CreateStudyResult, createStudy } from './create.js';
export * from './database.js';
export * from './pairs.js';
export { renderStackedBars, writeReportPlots } from './plots.js';
export { type PairProgress, type StudyProgress, studyProgress } from './progress.js';
export * from './questions.js';
export * from './report.js';
export { formatReportMarkdown } from './reportMarkdown.js';
export { matchSources, parseSystemArgument, readGenres, type SystemSource } from './sources.js';
export { binomialCdf, clopperPearson, type Interval } from './statistics.js';
