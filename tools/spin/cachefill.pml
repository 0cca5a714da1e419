/* The cache-fill/delete protocol of bpf_local_storage (Linux 6.18), written for SPIN by the lsmc
 * project as the peer of lsmc's scenario cachefill-protocol (properties/scenarios/kernel/
 * cachefill_protocol.cpp). tools/spin-peer.sh runs both.
 *
 * One task's storage holds one element per map (storage->list, as cur[map]) and a cache of
 * SLOTS slots (map m uses slot m % SLOTS). READERS tracing programs each run LOOKUPS lookups,
 * one RCU read-side section each: a cache hit checks sdata->smap; a miss walks the list and fills
 * the cache under local_storage->lock, re-checking that the element is still linked
 * (__bpf_local_storage_insert_cache; -DMUTANT leaves out the lock and the re-check: bug 16).
 * DELETERS syscalls each unlink one element under the lock, clearing its cache slot if it holds
 * it, and retire it; CREATORS replace one element (BPF_ANY update). A retired element is freed
 * after a grace period that waits for every reader inside a read-side section when it started.
 * The property: no reader touches a freed element, and a hit returns its own map's element.
 *
 * Granularity: one Promela statement is one step. lsmc's scenario runs the model's 6.18
 * functions, where every shared field access is a scheduling point (the busy counter, the owner's
 * storage pointer, the bucket lock and the map side of an unlink, the RCU state); here only the
 * protocol's own accesses are steps, and an element's allocation and value are not modelled.
 *
 * Sizes: -DREADERS=.. -DDELETERS=.. -DCREATORS=.. -DMAPS=.. -DSLOTS=.. -DLOOKUPS=.. */
#ifndef READERS
#define READERS 1
#endif
#ifndef DELETERS
#define DELETERS 1
#endif
#ifndef CREATORS
#define CREATORS 0
#endif
#ifndef MAPS
#define MAPS 1
#endif
#ifndef SLOTS
#define SLOTS 1
#endif
#ifndef LOOKUPS
#define LOOKUPS 2
#endif
#define NE (MAPS + CREATORS)    /* elements: the seeded one of each map, one per creator */
#define NONE 255

byte cur[MAPS];        /* the element of map m on storage->list, or NONE */
byte cache[SLOTS];     /* storage->cache[slot] */
bool linked[NE];       /* selem_linked_to_storage() */
bool retired[NE];      /* unlinked, waiting for a grace period */
bool freed[NE];
byte emap[NE];         /* SDATA(selem)->smap */
bit lock;              /* local_storage->lock */
bool in_cs[READERS];   /* inside rcu_read_lock() */
byte exits[READERS];   /* read-side sections left so far */
byte nretired;         /* elements waiting for a grace period */
byte running;          /* workload processes still running */

inline acquire() { atomic { lock == 0 -> lock = 1 } }
inline release() { lock = 0 }

/* bpf_selem_unlink_storage_nolock(): off the list, out of its cache slot, retired. */
inline unlink(e, m) {
  linked[e] = 0;
  cur[m] = NONE;
  if
  :: cache[m % SLOTS] == e -> cache[m % SLOTS] = NONE
  :: else
  fi;
  retired[e] = 1;
  nretired++
}

proctype reader(byte r) {
  byte j = 0, m, e;
  do
  :: j < LOOKUPS ->
    m = (r + j) % MAPS;
    in_cs[r] = 1;                                 /* rcu_read_lock() */
    e = cache[m % SLOTS];                         /* cache[idx] */
    if
    :: e != NONE ->
      assert(!freed[e]);                          /* sdata->smap of the cached element */
      if
      :: emap[e] == m -> goto use
      :: else
      fi
    :: else
    fi;
    e = cur[m];                                   /* hlist_for_each_entry_rcu */
    if
    :: e == NONE -> goto done
    :: else
    fi;
    assert(!freed[e]);                            /* SDATA(selem)->smap */
#ifdef MUTANT
    cache[m % SLOTS] = e;                         /* bug 16: no lock, no re-check */
#else
    acquire();
    if
    :: linked[e] -> cache[m % SLOTS] = e
    :: else
    fi;
    release();
#endif
use:
    assert(!freed[e] && emap[e] == m);            /* the program reads *sdata */
done:
    atomic { in_cs[r] = 0; exits[r]++ };          /* rcu_read_unlock() */
    j++
  :: else -> break
  od;
  running--
}

proctype deleter(byte m) {
  byte e = cur[m];                                /* task_storage_lookup() */
  if
  :: e != NONE ->
    acquire();
    if
    :: linked[e] -> unlink(e, m)
    :: else
    fi;
    release()
  :: else
  fi;
  running--
}

proctype creator(byte m; byte n) {
  byte old;
  acquire();
  old = cur[m];                                   /* the old element, under the lock */
  linked[n] = 1;                                  /* hlist_add_head_rcu(new) */
  cur[m] = n;
  if
  :: old != NONE ->
    linked[old] = 0;
    if
    :: cache[m % SLOTS] == old -> cache[m % SLOTS] = NONE
    :: else
    fi;
    retired[old] = 1;
    nretired++
  :: else
  fi;
  release();
  running--
}

/* The grace-period kthread: a grace period starts while an element waits for one, takes the
 * retired elements as its batch, waits for every reader that was inside a section at its start
 * to leave it, and frees the batch. */
proctype gp() {
  bool batch[NE];
  bool wait[READERS];
  byte start[READERS];
  byte i;
end:
  do
  :: nretired > 0 ->
    atomic {
      for (i : 0 .. NE - 1) { batch[i] = retired[i]; retired[i] = 0 };
      nretired = 0;
      for (i : 0 .. READERS - 1) { wait[i] = in_cs[i]; start[i] = exits[i] };
      i = 0
    };
    do
    :: i < READERS -> (!wait[i] || exits[i] != start[i]); i++
    :: else -> break
    od;
    atomic {
      for (i : 0 .. NE - 1) { if :: batch[i] -> freed[i] = 1; batch[i] = 0 :: else fi };
      i = 0
    }
  :: running == 0 && nretired == 0 -> break
  od
}

init {
  byte i;
  atomic {
    for (i : 0 .. SLOTS - 1) { cache[i] = NONE };
    for (i : 0 .. MAPS - 1) { cur[i] = i; linked[i] = 1; emap[i] = i };
    for (i : 0 .. CREATORS - 1) { emap[MAPS + i] = i % MAPS };
    running = READERS + DELETERS + CREATORS;
    for (i : 0 .. READERS - 1) { run reader(i) };
    for (i : 0 .. DELETERS - 1) { run deleter(i % MAPS) };
    for (i : 0 .. CREATORS - 1) { run creator(i % MAPS, MAPS + i) };
    run gp()
  }
}
