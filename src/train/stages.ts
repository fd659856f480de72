// The stage trainers and bundle part describers available to `v2meow train`: one line each, e.g.
//   registerStageTask('stage1', stage1TrainingEntry);   (src/train/stageRegistry.ts)
//   registerPartDescriber(stage1ModelKind, describeStage1File);   (src/train/export.ts)
// Until a stage registers, `v2meow train stageN` says that it is not available yet.
export {};
