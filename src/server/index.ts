// Public API of the rater web app (issue 6): start serving a study folder.
export { raterCookie, type StudyServer, type StudyServerOptions, startStudyServer } from './studyServer.js';
