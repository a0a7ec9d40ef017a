package dockerfile

import (
	"container/list"
	"sync"
)

// The parse cache keeps the documents of files of at most cacheMaxFile
// bytes, the most recently used first, up to cacheMaxBytes of source in
// all: some 30 times that in memory, with what the passes computed and
// cached on their instructions. The Dockerfiles of a build context that
// the passes read for every Dockerfile in it fit.
const cacheMaxFile = 64 << 10

var cacheMaxBytes = 256 << 10

var parsed = &parseCache{m: map[string]*list.Element{}}

type parseCache struct {
	mu    sync.Mutex
	m     map[string]*list.Element // by name + NUL + source
	lru   list.List                // of *cacheEntry, most recent first
	bytes int
}

type cacheEntry struct {
	key string
	doc *Document
}

func (c *parseCache) get(key string) *Document {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.m[key]; ok {
		c.lru.MoveToFront(e)
		return e.Value.(*cacheEntry).doc
	}
	return nil
}

func (c *parseCache) put(key string, d *Document) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.m[key]; ok {
		return
	}
	c.m[key] = c.lru.PushFront(&cacheEntry{key, d})
	c.bytes += len(key)
	for c.bytes > cacheMaxBytes {
		old := c.lru.Back()
		ce := old.Value.(*cacheEntry)
		c.lru.Remove(old)
		delete(c.m, ce.key)
		c.bytes -= len(ce.key)
	}
}
