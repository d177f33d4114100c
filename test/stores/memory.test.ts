import { memoryStore } from 'incidentkit';
import { runStoreConformance } from 'incidentkit/testing';
import { describe, test } from 'vitest';

runStoreConformance({ name: 'memoryStore', createStore: () => memoryStore(), test, describe });
