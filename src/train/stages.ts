// The stage trainers and bundle part describers available to `v2meow train`: one line each.
// Until a stage registers, `v2meow train stageN` says that it is not available yet.
import { stage1Kind } from '../models/stage1.js';
import { stage2Kind } from '../models/stage2.js';
import { stage3Kind } from '../models/stage3.js';
import { registerPartDescriber } from './export.js';
import { describeStage1File, stage1Definition } from './stage1Task.js';
import { describeStage2File, stage2Definition } from './stage2Task.js';
import { describeStage3File, stage3Definition } from './stage3Task.js';
import { registerStageTask } from './stageRegistry.js';
import { stageTaskEntry } from './stageTask.js';

registerStageTask('stage1', stageTaskEntry(stage1Definition));
registerStageTask('stage2', stageTaskEntry(stage2Definition));
registerStageTask('stage3', stageTaskEntry(stage3Definition));
registerPartDescriber(stage1Kind, describeStage1File);
registerPartDescriber(stage2Kind, describeStage2File);
registerPartDescriber(stage3Kind, describeStage3File);
