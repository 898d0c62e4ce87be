'use strict';
// The similarity formulas of agentdb 1.6.1, each as its controller wrote
// it (the summation order matters for the last bits of a double, and the
// results must equal agentdb's). The C index finds the candidates; these
// give the values returned and the final order.

// ReflexionMemory / SkillLibrary: no length check, loops over the query; a
// zero norm gives NaN.
function cosinePlain(a, b) {
  let dotProduct = 0, normA = 0, normB = 0;
  for (let i = 0; i < a.length; i++) {
    dotProduct += a[i] * b[i];
    normA += a[i] * a[i];
    normB += b[i] * b[i];
  }
  return dotProduct / (Math.sqrt(normA) * Math.sqrt(normB));
}

// ReasoningBank / LearningSystem-style: a length check; a zero denominator gives 0.
function cosineChecked(a, b, message = 'Vectors must have same length', zero = true) {
  if (a.length !== b.length) throw new Error(message);
  let dotProduct = 0, normA = 0, normB = 0;
  for (let i = 0; i < a.length; i++) {
    dotProduct += a[i] * b[i];
    normA += a[i] * a[i];
    normB += b[i] * b[i];
  }
  const denom = Math.sqrt(normA) * Math.sqrt(normB);
  if (!zero) return dotProduct / denom;
  return denom === 0 ? 0 : dotProduct / denom;
}

// CausalRecall: its own message, and sqrt(a)*sqrt(b) as one magnitude.
function cosineCausal(a, b) {
  if (a.length !== b.length) throw new Error('Vector dimensions must match');
  let dotProduct = 0, magnitudeA = 0, magnitudeB = 0;
  for (let i = 0; i < a.length; i++) {
    dotProduct += a[i] * b[i];
    magnitudeA += a[i] * a[i];
    magnitudeB += b[i] * b[i];
  }
  const magnitude = Math.sqrt(magnitudeA) * Math.sqrt(magnitudeB);
  return magnitude === 0 ? 0 : dotProduct / magnitude;
}

// WASMVectorSearch: unrolled by four.
function cosineUnrolled(a, b) {
  if (a.length !== b.length) throw new Error('Vectors must have same length');
  let dotProduct = 0, normA = 0, normB = 0;
  const len = a.length;
  const remainder = len % 4;
  const loopEnd = len - remainder;
  for (let i = 0; i < loopEnd; i += 4) {
    dotProduct += a[i] * b[i] + a[i + 1] * b[i + 1] + a[i + 2] * b[i + 2] + a[i + 3] * b[i + 3];
    normA += a[i] * a[i] + a[i + 1] * a[i + 1] + a[i + 2] * a[i + 2] + a[i + 3] * a[i + 3];
    normB += b[i] * b[i] + b[i + 1] * b[i + 1] + b[i + 2] * b[i + 2] + b[i + 3] * b[i + 3];
  }
  for (let i = loopEnd; i < len; i++) {
    dotProduct += a[i] * b[i];
    normA += a[i] * a[i];
    normB += b[i] * b[i];
  }
  const denom = Math.sqrt(normA) * Math.sqrt(normB);
  return denom === 0 ? 0 : dotProduct / denom;
}

// The CLI's and MMRDiversityRanker's metric functions.
function metricSimilarity(v1, v2, metric, mismatch = (a, b) => `Vector dimension mismatch: ${a} vs ${b}`) {
  if (v1.length !== v2.length) throw new Error(mismatch(v1.length, v2.length));
  if (metric === 'cosine') {
    let dot = 0, mag1 = 0, mag2 = 0;
    for (let i = 0; i < v1.length; i++) {
      dot += v1[i] * v2[i];
      mag1 += v1[i] * v1[i];
      mag2 += v2[i] * v2[i];
    }
    return dot / (Math.sqrt(mag1) * Math.sqrt(mag2));
  }
  if (metric === 'euclidean') {
    let sum = 0;
    for (let i = 0; i < v1.length; i++) {
      const diff = v1[i] - v2[i];
      sum += diff * diff;
    }
    return 1 / (1 + Math.sqrt(sum));
  }
  if (metric === 'dot') {
    let dot = 0;
    for (let i = 0; i < v1.length; i++) dot += v1[i] * v2[i];
    return dot;
  }
  return undefined;
}

// A blob (Buffer / Uint8Array) as agentdb's controllers view it.
function blobFloats(buffer) {
  return new Float32Array(buffer.buffer, buffer.byteOffset, buffer.length / 4);
}

// ... where the byte offset may not be a multiple of 4 (agentdb would throw
// a RangeError there; better-sqlite3's blobs are aligned, but be safe).
function blobFloatsSafe(buffer) {
  if ((buffer.byteOffset & 3) === 0 && buffer.length % 4 === 0) return blobFloats(buffer);
  return blobFloats(Buffer.from(buffer));
}

module.exports = { cosinePlain, cosineChecked, cosineCausal, cosineUnrolled, metricSimilarity, blobFloats, blobFloatsSafe };
