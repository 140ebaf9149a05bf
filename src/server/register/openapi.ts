/** The open API's contract, served at /api/v1/openapi.json and checked by the tests against every answer. */
const publication = {
  type: 'object',
  required: ['datum', 'publicerad'],
  properties: { datum: { type: 'string', format: 'date' }, publicerad: { type: 'string', format: 'date-time' } },
  additionalProperties: false,
};
const pageFields = {
  publicering: { $ref: '#/components/schemas/Publicering' },
  sida: { type: 'integer', minimum: 1 },
  per_sida: { type: 'integer', minimum: 1, maximum: 500 },
  totalt: { type: 'integer', minimum: 0 },
};
const orgNumber = { type: 'string', pattern: '^\\d{6}-\\d{4}$' };
const listParameters = [
  { name: 'sida', in: 'query', schema: { type: 'integer', minimum: 1, default: 1 }, description: 'Sidnummer.' },
  { name: 'per_sida', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 500, default: 100 }, description: 'Poster per sida.' },
  {
    name: 'q',
    in: 'query',
    schema: { type: 'string', maxLength: 100 },
    description: 'Sök i namn (och organisationsnummer). Enheter hittas också på sin enhetskod.',
  },
  { name: 'ort', in: 'query', schema: { type: 'string', maxLength: 100 }, description: 'Bara poster på den här orten.' },
  { name: 'organisationsnummer', in: 'query', schema: { type: 'string', pattern: '^\\d{6}-?\\d{4}$' } },
  { name: 'publicering', in: 'query', schema: { type: 'string', format: 'date' }, description: 'En tidigare publicering (ÅÅÅÅ-MM-DD). Utan den: den senaste.' },
];
const errorResponse = (description: string) => ({ description, content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Fel' } } } });
const listResponses = (schema: string) => ({
  '200': { description: 'En sida ur publiceringen.', content: { 'application/json': { schema: { $ref: `#/components/schemas/${schema}` } } } },
  '304': { description: 'Oförändrat sedan förra hämtningen (If-None-Match).' },
  '400': errorResponse(
    'Okänd parameter, en parameter som anges två gånger, eller ett ogiltigt värde (till exempel ett datum som inte finns, ett sidnummer utanför gränserna eller styrtecken). `detail` namnger parametern.',
  ),
  '404': errorResponse('Ingen sådan publicering.'),
  '429': errorResponse('För många anrop.'),
});

export const OPENAPI_DOCUMENT = {
  openapi: '3.1.0',
  info: {
    title: 'Anordnarportalens öppna register',
    version: '1.0.0',
    description: 'Godkända utbildningsanordnare och deras enheter, som de publicerades senast. Registret publiceras en gång per dygn.',
  },
  servers: [{ url: '/api/v1' }],
  paths: {
    '/organisationer': {
      get: {
        operationId: 'listaOrganisationer',
        summary: 'Organisationer i registret',
        parameters: listParameters,
        responses: listResponses('Organisationssida'),
      },
    },
    '/enheter': { get: { operationId: 'listaEnheter', summary: 'Enheter i registret', parameters: listParameters, responses: listResponses('Enhetssida') } },
    '/publiceringar': {
      get: {
        operationId: 'listaPubliceringar',
        summary: 'De senaste publiceringarna',
        responses: {
          '200': {
            description: 'Publiceringarna, den senaste först.',
            content: { 'application/json': { schema: { $ref: '#/components/schemas/Publiceringar' } } },
          },
        },
      },
    },
  },
  components: {
    schemas: {
      Publicering: publication,
      Fel: {
        type: 'object',
        description: 'Ett fel enligt RFC 9457 (problem details), på svenska.',
        required: ['type', 'title', 'status', 'detail'],
        properties: {
          type: { type: 'string' },
          title: { type: 'string' },
          status: { type: 'integer', minimum: 400, maximum: 599 },
          detail: { type: 'string' },
          fel: { type: 'string', deprecated: true, description: 'Samma text som detail, för klienter skrivna mot den första versionen.' },
        },
        additionalProperties: false,
      },
      Organisation: {
        type: 'object',
        required: ['organisationsnummer', 'namn', 'ort', 'omraden', 'uppgifter_bekraftade'],
        properties: {
          organisationsnummer: orgNumber,
          namn: { type: 'string' },
          ort: { type: 'string' },
          omraden: { type: 'array', items: { type: 'string' } },
          uppgifter_bekraftade: { type: ['string', 'null'], format: 'date-time', description: 'När organisationen senast bekräftade att uppgifterna stämmer.' },
        },
        additionalProperties: false,
      },
      Enhet: {
        type: 'object',
        required: ['id', 'enhetskod', 'namn', 'huvudorganisation', 'utdelningsadress', 'postnummer', 'ort', 'organisation'],
        properties: {
          id: { type: 'integer' },
          enhetskod: {
            type: ['string', 'null'],
            pattern: '^E\\d{6,}$',
            description: 'Enhetens fasta kod, den som anges vid kontakt med myndigheten. Saknas (null) bara i publiceringar från före koden.',
          },
          namn: { type: 'string' },
          huvudorganisation: { type: 'boolean' },
          utdelningsadress: { type: 'string' },
          postnummer: { type: 'string' },
          ort: { type: 'string' },
          organisation: {
            type: 'object',
            required: ['organisationsnummer', 'namn'],
            properties: { organisationsnummer: orgNumber, namn: { type: 'string' } },
            additionalProperties: false,
          },
        },
        additionalProperties: false,
      },
      Organisationssida: {
        type: 'object',
        required: ['publicering', 'sida', 'per_sida', 'totalt', 'organisationer'],
        properties: { ...pageFields, organisationer: { type: 'array', items: { $ref: '#/components/schemas/Organisation' } } },
        additionalProperties: false,
      },
      Enhetssida: {
        type: 'object',
        required: ['publicering', 'sida', 'per_sida', 'totalt', 'enheter'],
        properties: { ...pageFields, enheter: { type: 'array', items: { $ref: '#/components/schemas/Enhet' } } },
        additionalProperties: false,
      },
      Publiceringar: {
        type: 'object',
        required: ['publiceringar'],
        properties: {
          publiceringar: {
            type: 'array',
            items: {
              type: 'object',
              required: ['datum', 'publicerad', 'organisationer', 'enheter'],
              properties: {
                datum: { type: 'string', format: 'date' },
                publicerad: { type: 'string', format: 'date-time' },
                organisationer: { type: 'integer' },
                enheter: { type: 'integer' },
              },
              additionalProperties: false,
            },
          },
        },
        additionalProperties: false,
      },
    },
  },
} as const;
