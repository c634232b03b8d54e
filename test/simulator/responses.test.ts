import { readFileSync } from 'node:fs';
import { DOMParser, type Element } from '@xmldom/xmldom';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundledReportingWsdl } from '../../src/paths.js';
import { NS } from '../../src/soap/namespaces.js';
import { startSimulator, type Simulator } from '../../src/simulator/index.js';
import { loadSchemaSet } from '../../src/simulator/xsdSchema.js';
import { XsdValidator } from '../../src/simulator/xsdValidator.js';
import { envelope, headerXml, pollBody, pollUntilDone, soapPost, submit, submitBody, testOptions, tokenFor } from './helpers.js';

/** The simulator's own answers must be valid against the WSDL clients are generated from. */

const validator = new XsdValidator(loadSchemaSet(readFileSync(bundledReportingWsdl, 'utf8')));
let sim: Simulator;
let token: string;
beforeAll(async () => {
  sim = await startSimulator(testOptions());
  token = await tokenFor(sim);
});
afterAll(async () => {
  await sim.close();
});

/** Validates the header TrackingId and the Body payload (or the fault detail) of an answer. */
function validateAnswer(text: string): void {
  const doc = new DOMParser().parseFromString(text, 'text/xml');
  const tracking = doc.getElementsByTagNameNS(NS.reporting, 'TrackingId')[0] as Element;
  expect(validator.validate(tracking)).toBeNull();
  const body = doc.getElementsByTagNameNS(NS.soapEnvelope, 'Body')[0] as Element;
  const fault = doc.getElementsByTagNameNS(NS.soapEnvelope, 'Fault')[0];
  const payload = fault ? (doc.getElementsByTagName('detail')[0]?.getElementsByTagNameNS('*', '*')[0] as Element) : (body.getElementsByTagNameNS('*', '*')[0] as Element);
  expect(payload).toBeDefined();
  expect(validator.validate(payload)).toBeNull();
}

describe('simulator responses validate against the WSDL schemas', () => {
  it('Submit and Poll responses (Pending, Success with URL)', async () => {
    const answer = await soapPost(sim, 'SubmitGenerateReport', envelope(headerXml({ token }), submitBody()));
    validateAnswer(answer.text);
    const id = /<ReportRequestId>([^<]+)</.exec(answer.text)?.[1] as string;
    validateAnswer((await soapPost(sim, 'PollGenerateReport', envelope(headerXml({ token }), pollBody(id)))).text);
    await pollUntilDone(sim, token, id);
    const done = await soapPost(sim, 'PollGenerateReport', envelope(headerXml({ token }), pollBody(id)));
    expect(done.text).toContain('<Status>Success</Status>');
    validateAnswer(done.text);
  });

  it('AdApiFaultDetail and ApiFaultDetail faults', async () => {
    validateAnswer((await soapPost(sim, 'SubmitGenerateReport', envelope(headerXml({ token, developerToken: 'x' }), submitBody()))).text);
    validateAnswer((await soapPost(sim, 'PollGenerateReport', envelope(headerXml({ token }), pollBody('nope')))).text);
  });

  it('Success with a nil ReportDownloadUrl', async () => {
    sim.faults.emptyReport = true;
    const id = await submit(sim, token);
    await pollUntilDone(sim, token, id);
    const answer = await soapPost(sim, 'PollGenerateReport', envelope(headerXml({ token }), pollBody(id)));
    expect(answer.text).toContain('<ReportDownloadUrl i:nil="true"/>');
    validateAnswer(answer.text);
  });
});
