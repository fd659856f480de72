export * from './attention.js';
export * from './init.js';
export * from './layers.js';
export * from './module.js';
export * from './transformer.js';
