'use strict';
// EmbeddingService: agentdb 1.6.1's (MIT, ruv), same config, cache, and
// the same deterministic mock embedding bit for bit (the hash of the text,
// sin/cos per dimension in a Float32Array, then divided by the L2 norm).
// transformers.js is used only when @xenova/transformers can be imported
// AND its pipeline loads the model (initialize()); otherwise, as in
// agentdb, the mock is used. Unlike agentdb, a failed import leaves no
// unhandled rejection behind (agentdb's made node exit with code 1).

class EmbeddingService {
  config;
  pipeline;
  cache;

  constructor(config) {
    this.config = config;
    this.cache = new Map();
  }

  async initialize() {
    if (this.config.provider === 'transformers') {
      try {
        const transformers = await import('@xenova/transformers');
        const hfToken = process.env.HUGGINGFACE_API_KEY || process.env.HF_TOKEN;
        if (hfToken) {
          if (transformers.env && typeof transformers.env === 'object') {
            transformers.env.HF_TOKEN = hfToken;
            console.log('🔑 Using Hugging Face API key from environment');
          }
        }
        this.pipeline = await transformers.pipeline('feature-extraction', this.config.model);
        console.log(`✅ Transformers.js loaded: ${this.config.model}`);
      } catch (error) {
        const errorMessage = error instanceof Error ? error.message : String(error);
        console.warn(`⚠️  Transformers.js initialization failed: ${errorMessage}`);
        console.warn('   Falling back to mock embeddings for testing');
        console.warn('   Set HUGGINGFACE_API_KEY environment variable for real embeddings');
        this.pipeline = null;
      }
    }
  }

  async embed(text) {
    const cacheKey = `${this.config.model}:${text}`;
    if (this.cache.has(cacheKey)) {
      return this.cache.get(cacheKey);
    }
    let embedding;
    if (this.config.provider === 'transformers' && this.pipeline) {
      const output = await this.pipeline(text, { pooling: 'mean', normalize: true });
      embedding = new Float32Array(output.data);
    } else if (this.config.provider === 'openai' && this.config.apiKey) {
      embedding = await this.embedOpenAI(text);
    } else {
      embedding = this.mockEmbedding(text);
    }
    if (this.cache.size > 10000) {
      const keysToDelete = Array.from(this.cache.keys()).slice(0, 5000);
      keysToDelete.forEach((k) => this.cache.delete(k));
    }
    this.cache.set(cacheKey, embedding);
    return embedding;
  }

  async embedBatch(texts) {
    return Promise.all(texts.map((text) => this.embed(text)));
  }

  clearCache() {
    this.cache.clear();
  }

  async embedOpenAI(text) {
    const response = await fetch('https://api.openai.com/v1/embeddings', {
      method: 'POST',
      headers: {
        Authorization: `Bearer ${this.config.apiKey}`,
        'Content-Type': 'application/json',
      },
      body: JSON.stringify({ model: this.config.model, input: text }),
    });
    const data = await response.json();
    return new Float32Array(data.data[0].embedding);
  }

  mockEmbedding(text) {
    const embedding = new Float32Array(this.config.dimension);
    // empty text: a plain Array of zeros, as agentdb (stored as an empty blob)
    if (!text || text.length === 0) {
      return new Array(this.config.dimension).fill(0);
    }
    let hash = 0;
    for (let i = 0; i < text.length; i++) {
      hash = ((hash << 5) - hash) + text.charCodeAt(i);
      hash = hash & hash;
    }
    for (let i = 0; i < this.config.dimension; i++) {
      const seed = hash + i * 31;
      embedding[i] = Math.sin(seed) * Math.cos(seed * 0.5);
    }
    let norm = 0;
    for (let i = 0; i < embedding.length; i++) {
      norm += embedding[i] * embedding[i];
    }
    norm = Math.sqrt(norm);
    for (let i = 0; i < embedding.length; i++) {
      embedding[i] /= norm;
    }
    return embedding;
  }
}

module.exports = { EmbeddingService };
