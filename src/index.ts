/** vidrecipe as a library: load and check recipes, plan them, and read the model catalog. */
export { loadRecipe, type LoadOptions } from './recipe/load.js';
export { StructureChecker } from './recipe/structure.js';
export { RecipeSource } from './recipe/source.js';
export { recipeSchema, modelSchemaDocument, paramsSchema } from './recipe/schema.js';
export type { Diagnostic, Recipe, Step, InputDecl, Reference, ReferenceSite, LoadResult } from './recipe/types.js';
export { buildDag, type Dag } from './graph/dag.js';
export { planRecipe, type Plan, type PlannedStep, type PlanOptions, type CacheStatus } from './graph/plan.js';
export { MODELS, MODEL_IDS, findModel } from './models/catalog.js';
export type { ModelDef, AnyModel, Backend, MediaKind, ValueKind, PriceEstimate, CrossFieldRule } from './models/types.js';
