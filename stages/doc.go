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
//
// Loader follows graphql/dataloader (JavaScript, "JS" below), aiodataloader and dloader
// (Python asyncio ports, "aio" and "dl") except where this table says, with the reason.
// Everything not listed behaves as in all three: per-key results matched by position,
// a failed or wrong-length batch call failing all its keys uncached, Prime not
// replacing an entry, Clear and ClearAll leaving fetches under way to answer their
// callers, and no deduplication of keys without a cache.
//
//	what                  JS / aio / dl                    Loader                       why
//	--------------------  -------------------------------  ---------------------------  ------------------------------------------
//	when a batch is sent  end of the event-loop tick       Wait (1ms) after its first   goroutines have no tick to wait for; a
//	                                                       key, or at MaxBatch keys     window is the only way to gather them
//	batch size limit      none by default                  MaxBatch, 1000 by default    a query's IN list and PostgreSQL's 65,535
//	                                                                                    bind parameters need a bound
//	per-key error         an Error in the values array     errs[i], a parallel slice    Go has no union of value and error
//	per-key error cached  JS, aio: yes; dl: no             yes, until Clear             JS's rule: a row missing once stays missing
//	                                                                                    within one import, without a refetch per row
//	LoadMany with errors  JS: Errors in place; aio, dl:    values and errs for every    one bad key must not hide the other results
//	                      gather raises the first          key, never a first error
//	prime an error        JS, aio: prime(key, Error)       PrimeError(key, err)         Go is typed: a value can't be an error
//	Prime on a present    JS, aio: no change; dl:          no change, reports false     JS's rule; Clear first to replace
//	key                   replaces
//	PrimeMany             dl: prime_many(mapping);         PrimeMany(map[K]V), returns  dl's form; the count says what was new
//	                      JS, aio: none                    how many were stored
//	cache key             cacheKeyFn of any type           CacheKey returns a K         a second type parameter for one option
//	                                                                                    would burden every Loader's type
//	custom cache          a map of promises                Cache of settled results;    Go has no promise: loads joining a fetch
//	                                                       the Loader tracks fetches    wait on the Loader's batch, not the cache
//	cache off, dl         dl still merges a key pending    NoCache: every load reaches  JS's rule: cache off means no memory of
//	                      twice (cache=False)              a fetch, duplicates too      keys at all
//	cancellation          JS, aio: none; dl: shutdown()    a load's ctx ends its own    one caller's cancellation must not fail
//	                      cancels all                      wait only; the fetch goes on the other callers of the same batch
//	fetch context         none                             first caller's values, no    tracing and loggers reach the fetch, its
//	                                                       deadline; ended by Close     callers' deadlines don't
//	shutdown              JS, aio: none; dl: shutdown()    Close: fails pending loads,  no goroutine outlives Close; each
//	                      returns the errors of the        returns one error per        cancelled key is named, as dl reports
//	                      cancelled tasks                  cancelled key + failed       what its cancelled tasks raised
//	                                                       fetches; later loads fail
//	non-blocking load     JS, aio, dl: every load is a     LoadThunk, LoadManyThunk;    Go calls block; a thunk lets one goroutine
//	                      promise / future                 Load and LoadMany block      fill a batch from several calls first
//	panic in the fetch    JS: a throw rejects the batch    *FetchError with the stack,  a panic is a failed call, not a crash of
//	                                                       batch not cached             the import
package stages
