// The classifier's own thread (see background.ts): loads the model the service would load and answers
// batches of texts, so classifying a burst runs on the second core beside the database work.
import { parentPort, workerData } from 'node:worker_threads';
import type { Logger } from 'pino';
import { loadClassifier } from './load.ts';
import { readModelFile, TrainedClassifier } from './model.ts';
import type { WorkerReply, WorkerRequest } from './background.ts';
import type { VillageProfile } from '../../config/profile.ts';
import { createGazetteer } from '../gazetteer.ts';
import { createOfficerDirectory } from '../officers.ts';
import { decisionByIds, route, type Routed } from '../router.ts';
import type { Classification, Classifier } from './types.ts';

const port = parentPort;
if (!port) throw new Error('core/classifier/worker.ts runs as a worker thread');

const send = (reply: WorkerReply) => port.postMessage(reply);
/** What loading has to say (a trained model that is unusable, the keyword fallback) goes to the service's log. */
const relay = Object.fromEntries(
  (['info', 'warn', 'error'] as const).map((level) => [
    level,
    (fields: object | string, message?: string) =>
      typeof fields === 'string' ? send({ type: 'log', level, fields: {}, message: fields }) : send({ type: 'log', level, fields, message: message ?? '' }),
  ]),
) as unknown as Logger;

const { dataDir, profile } = workerData as { dataDir: string | undefined; profile: VillageProfile | undefined };
const loaded = loadClassifier(dataDir, relay);
let classifier: Classifier = loaded.classifier;
const routing = profile && { gazetteer: createGazetteer(profile), officers: createOfficerDirectory(profile), profile };

/** A text's classification, and where it points and who handles it when the profile is known. */
function answer(text: string): { classification: Classification; routed?: Routed } {
  const classification = classifier.classify(text);
  if (!routing) return { classification };
  const place = routing.gazetteer.locate(text);
  return { classification, routed: { place, decision: decisionByIds(route(routing.profile, routing.officers, classification, place, text)) } };
}

send({ type: 'ready', name: classifier.name, source: loaded.source });

port.on('message', (request: WorkerRequest) => {
  if (request.type === 'classify') {
    send({ type: 'classified', id: request.id, name: classifier.name, results: request.texts.map(answer) });
    return;
  }
  try {
    classifier = new TrainedClassifier(readModelFile(request.path));
    send({ type: 'loaded', id: request.id, name: classifier.name });
  } catch (error) {
    send({ type: 'failed', id: request.id, message: error instanceof Error ? error.message : String(error) });
  }
});
