// Package stages provides reusable pipeline stages for tmimport (Map, Filter,
// Validate, Dedupe, EnumMap, EnumMapEach, Attach and Lookup), Fold, an accumulator
// that groups child rows into arrays per parent key, and Loader, a batching, caching
// lookup in the style of the DataLoader pattern.
//
// # Stages
//
// Every stage works in place on a [pipeline.Batch] and follows the [pipeline.Stage]
// contract: it starts no goroutine, keeps no reference to the batch, and is safe for
// concurrent use by the pipeline's workers. Bad rows become rejects that carry the
// row's position ([pipeline.Reject]); an error returned from Process means the batch
// itself could not be processed. Compose stages with [pipeline.Chain] or list them in
// pipeline.Config.Stages:
//
//	stage := pipeline.Chain(
//		stages.Filter(func(t Task) bool { return t.ProjectID != 0 }),
//		stages.EnumMap("task_status", TaskStatus,
//			func(t Task) any { return t.Status },
//			func(t *Task, label string) { t.StatusLabel = label }),
//		stages.Dedupe(func(t Task) [2]int64 { return [2]int64{t.ProjectID, t.ID} }),
//	)
//
// # Fold and Attach
//
// A [Fold] turns child rows (a join table such as TM's project_licenses) into one
// array per parent key. It is filled once, before the parents are imported (it is
// also a [pipeline.Sink], so a pipeline can fill it), and [Attach] then sets each
// parent row's array.
//
// # Loader
//
// A [Loader] coalesces the lookups of many goroutines into batched fetches and caches
// the results, so a stage that resolves foreign keys (user names to ids, region codes
// to ids) makes one query per batch instead of one per row. See the type's
// documentation for batching, caching, context and shutdown semantics, and [Lookup]
// for the stage that uses it.
package stages
