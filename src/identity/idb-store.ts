/**
 * The shape of an idb-keyval store, declared here so that the published type declarations do not
 * import 'idb-keyval': the bundle carries idb-keyval inside it, and a consumer has no such package.
 * Structurally identical to idb-keyval's own `UseStore`, so its `createStore()` result fits.
 */
export type UseStore = <T>(txMode: IDBTransactionMode, callback: (store: IDBObjectStore) => T | PromiseLike<T>) => Promise<T>;
