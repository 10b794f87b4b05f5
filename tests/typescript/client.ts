// A front end or a script written from the served OpenAPI document alone:
// `schema.d.ts` is what `openapi-typescript` generates from it, and every call
// below is type-checked against it (`tsc`): a route, parameter or field that
// the document stops declaring fails the test that runs this file
// (test_generated_client.py). Node 20: fetch, FormData and Blob built in.
import { readFileSync } from "node:fs";
import { basename } from "node:path";

import createClient from "openapi-fetch";

import type { paths } from "./schema.js";

// The JSON form of the body (answers, key), sent as multipart with the file.
type Submission =
  paths["/api/v3/forms/{page_id}/submissions/"]["post"]["requestBody"]["content"]["application/json"];
type Candidature =
  paths["/api/v3/staff/candidatures/"]["get"]["responses"]["200"]["content"]["application/json"]["items"][number];

const env = (name: string): string => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is required`);
  return value;
};

const baseUrl = env("AMORCE_URL");
const formId = Number(env("AMORCE_FORM_ID"));
const filePath = env("AMORCE_FILE");

// An applicant's front end: answers in JSON, the file under its field's name.
const anyone = createClient<paths>({ baseUrl });
const submission: Submission = {
  answers: JSON.parse(env("AMORCE_ANSWERS")) as Submission["answers"],
  idempotency_key: crypto.randomUUID(),
};
const file = new Blob([new Uint8Array(readFileSync(filePath))], { type: "application/pdf" });
const submitted = await anyone.POST("/api/v3/forms/{page_id}/submissions/", {
  params: { path: { page_id: formId } },
  body: submission,
  bodySerializer(body) {
    const data = new FormData();
    // As a browser's front end writes it: a JSON Blob (sent as a file part).
    data.append(
      "answers",
      new Blob([JSON.stringify(body.answers)], { type: "application/json" }),
    );
    if (body.idempotency_key) data.append("idempotency_key", body.idempotency_key);
    data.append(env("AMORCE_FILE_FIELD"), file, basename(filePath));
    return data;
  },
});
if (submitted.error || submitted.response.status !== 201) {
  throw new Error(`submission refused: ${JSON.stringify(submitted.error)}`);
}
const reference: string = submitted.data.reference;

// The programme team's script: a staff token, the candidatures it may read,
// page after page by the `next` cursor, until a short page.
const staff = createClient<paths>({
  baseUrl,
  headers: { Authorization: `Bearer ${env("AMORCE_TOKEN")}` },
});
const read: Candidature[] = [];
let after: string | undefined;
let pages = 0;
for (;;) {
  const { data, error } = await staff.GET("/api/v3/staff/candidatures/", {
    params: { query: { limit: 2, ...(after ? { after } : {}) } },
  });
  if (error || !data) throw new Error(`read refused: ${JSON.stringify(error)}`);
  pages += 1;
  read.push(...data.items);
  after = data.next ?? undefined;
  if (data.items.length < 2) break;
}

process.stdout.write(
  JSON.stringify({
    reference,
    pages,
    read: read.map((c) => ({
      reference: c.reference,
      files: c.answers.filter((a) => a.type === "file").map((a) => a.value),
    })),
  }),
);
