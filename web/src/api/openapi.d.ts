/**
 * Generated from Lazaret's OpenAPI document (/api/openapi.json) by openapi-typescript.
 * Do not edit: run `npm run gen:api-types`; test/unit/api-types.test.ts fails when this file is stale.
 */


export interface paths {
  "/healthz": {
    /** Liveness: the process answers. */
    get: {
      responses: {
        /** @description Default Response */
        200: {
          content: {
            "application/json": {
              /** @enum {string} */
              status: "ok";
            };
          };
        };
      };
    };
  };
  "/readyz": {
    /** Readiness: the store answers and has room above its free-space reserve, and in filter mode the re-injection listener answers too. */
    get: {
      responses: {
        /** @description Default Response */
        200: {
          content: {
            "application/json": {
              /** @enum {string} */
              status: "ready";
            };
          };
        };
        /** @description Default Response */
        503: {
          content: {
            "application/json": components["schemas"]["ErrorBody"];
          };
        };
        /** @description Default Response */
        507: {
          content: {
            "application/json": components["schemas"]["ErrorBody"];
          };
        };
      };
    };
  };
  "/api/i18n": {
    /** The languages the web UI speaks, the configured default, and the one for this browser before sign-in (its Accept-Language, else the default). */
    get: {
      responses: {
        /** @description Default Response */
        200: {
          content: {
            "application/json": {
              /** @enum {unknown} */
              language: "en" | "de" | "fr";
              /** @enum {unknown} */
              defaultLanguage: "en" | "de" | "fr";
              languages: ("en" | "de" | "fr")[];
            };
          };
        };
      };
    };
  };
  "/api/auth/login": {
    /** Sign in; sets the session cookie and answers the CSRF token. An account with a second factor answers 401 totp_required until the request also carries `code`; with auth.requireSso a local password answers 403 sso_required (except for auth.breakGlassAdmins). */
    post: {
      requestBody: {
        content: {
          "application/json": {
            email: string;
            password: string;
            /** @description The current code of the authenticator app, or one of the recovery codes. */
            code?: string;
          };
        };
      };
      responses: {
        /** @description Default Response */
        200: {
          content: {
            "application/json": {
              user: components["schemas"]["User"];
              /** @description Send it in the x-csrf-token header with every POST, PATCH and DELETE. */
              csrfToken: string;
              /** Format: date-time */
              expiresAt: string;
              /** @description Whether the caller must set up a second factor before anything else (auth.requireTotpForAdmins). */
              totpEnrolmentRequired: boolean;
              /** @enum {unknown} */
              language: "en" | "de" | "fr";
            };
          };
        };
        /** @description Default Response */
        400: {
          content: {
            "application/json": components["schemas"]["ErrorBody"];
          };
        };
        /** @description Default Response */
        401: {
          content: {
            "application/json": components["schemas"]["ErrorBody"];
          };
        };
        /** @description Default Response */
        403: {
          content: {
            "application/json": components["schemas"]["ErrorBody"];
          };
        };
        /** @description Default Response */
        429: {
          content: {
            "application/json": components["schemas"]["ErrorBody"];
          };
        };
        /** @description Default Response */
        503: {
          content: {
            "application/json": components["schemas"]["ErrorBody"];
          };
        };
      };
    };
  };
  "/api/auth/logout": {
    /** Sign out: the session ends on the server and its cookie is cleared. A session from an OpenID Connect provider that offers RP-initiated logout answers 200 with the URL that ends the provider session too. */
    post: {
      responses: {
        /** @description Default Response */
        200: {
          content: {
            "application/json": {
              endSessionUrl: string;
            };
          };
        };
        /** @description Default Response */
        204: {
          content: never;
        };
        /** @description Default Response */
        400: {
          content: {
            "application/json": components["schemas"]["ErrorBody"];
          };
        };
        /** @description Default Response */
        401: {
          content: {
            "application/json": components["schemas"]["ErrorBody"];
          };
        };
        /** @description Default Response */
        403: {
          content: {
            "application/json": components["schemas"]["ErrorBody"];
          };
        };
      };
    };
  };
  "/api/auth/me": {
    /** Who the caller is: user, role, scopes, for sessions the CSRF token, and the language to speak to them (their choice, else the browser's Accept-Language, else i18n.defaultLanguage). */
    get: {
      responses: {
        /** @description Default Response */
        200: {
          content: {
            "application/json": {
              /** @enum {unknown} */
              kind: "user" | "token";
              user: components["schemas"]["User"];
              scopes: ("read" | "release" | "admin")[];
              /** @enum {unknown} */
              releaseMode?: "release" | "request";
              csrfToken?: string;
              /** Format: date-time */
              expiresAt?: string;
              tokenId?: string;
              /** @description Whether the caller must set up a second factor before anything else (auth.requireTotpForAdmins). */
              totpEnrolmentRequired: boolean;
              /** @enum {unknown} */
              language: "en" | "de" | "fr";
            };
          };
        };
        /** @description Default Response */
        401: {
          content: {
            "application/json": components["schemas"]["ErrorBody"];
          };
        };
      };
    };
    /** Change your own preferences: `language` (en, de, fr) for the web UI and your digests, null to follow the browser again. Answers like GET /api/auth/me. */
    patch: {
      requestBody: {
        content: {
          "application/json": {
            language: ("en" | "de" | "fr") | null;
          };
        };
      };
      responses: {
        /** @description Default Response */
        200: {
          content: {
            "application/json": {
              /** @enum {unknown} */
              kind: "user" | "token";
              user: components["schemas"]["User"];
              scopes: ("read" | "release" | "admin")[];
              /** @enum {unknown} */
              releaseMode?: "release" | "request";
              csrfToken?: string;
              /** Format: date-time */
              expiresAt?: string;
              tokenId?: string;
              /** @description Whether the caller must set up a second factor before anything else (auth.requireTotpForAdmins). */
              totpEnrolmentRequired: boolean;
              /** @enum {unknown} */
              language: "en" | "de" | "fr";
            };
          };
        };
        /** @description Default Response */
        400: {
          content: {
            "application/json": components["schemas"]["ErrorBody"];
          };
        };
        /** @description Default Response */
        401: {
          content: {
            "application/json": components["schemas"]["ErrorBody"];
          };
        };
        /** @description Default Response */
        403: {
          content: {
            "application/json": components["schemas"]["ErrorBody"];
          };
        };
      };
    };
  };
  "/api/auth/oidc/providers": {
    /** How people sign in here (for the sign-in page): the OpenID Connect providers, and whether the password form is for everyone or only for break-glass administrators (auth.requireSso). */
    get: {
      responses: {
        /** @description Default Response */
        200: {
          content: {
            "application/json": {
              providers: {
                  id: string;
                  label: string;
                  startUrl: string;
                }[];
              /**
               * @description `shown`: the email and password form is for everyone. `break_glass`: single sign-on is required, and the form is only for the administrators of auth.breakGlassAdmins (the page hides it behind a small link).
               * @enum {unknown}
               */
              passwordForm: "shown" | "break_glass";
            };
          };
        };
      };
    };
  };
  "/api/auth/oidc/{provider}/start": {
    /** Starts signing in with an OpenID Connect provider: redirects the browser to it. */
    get: {
      parameters: {
        query?: {
          /** @description Path of the web UI to open after signing in. */
          next?: string;
        };
        path: {
          provider: string;
        };
      };
      responses: {
        /** @description Default Response */
        302: {
          content: never;
        };
        /** @description Default Response */
        400: {
          content: {
            "application/json": components["schemas"]["ErrorBody"];
          };
        };
        /** @description Default Response */
        401: {
          content: {
            "application/json": components["schemas"]["ErrorBody"];
          };
        };
        /** @description Default Response */
        404: {
          content: {
            "application/json": components["schemas"]["ErrorBody"];
          };
        };
      };
    };
  };
  "/api/auth/oidc/{provider}/callback": {
    /** Where the provider sends the browser back: checks state, nonce and PKCE, signs in and redirects to the web UI. */
    get: {
      parameters: {
        path: {
          provider: string;
        };
      };
      responses: {
        /** @description Default Response */
        302: {
          content: never;
        };
        /** @description Default Response */
        400: {
          content: {
            "application/json": components["schemas"]["ErrorBody"];
          };
        };
        /** @description Default Response */
        401: {
          content: {
            "application/json": components["schemas"]["ErrorBody"];
          };
        };
        /** @description Default Response */
        404: {
          content: {
            "application/json": components["schemas"]["ErrorBody"];
          };
        };
        /** @description Default Response */
        429: {
          content: {
            "application/json": components["schemas"]["ErrorBody"];
          };
        };
      };
    };
  };
  "/metrics": {
    /** Prometheus metrics (text exposition format). */
    get: {
      responses: {
        /** @description Default Response */
        200: {
          content: never;
        };
      };
    };
  };
  "/api/quarantine": {
    /** List held items, newest first, one page at a time. */
    get: {
      parameters: {
        query: {
          /** @description Search: `from:` `to:` `subject:` `reason:` `status:` `message-id:` `after:` `before:` `larger:` `smaller:` `has:attachment`, "quoted phrases", `-` to negate, free text. See docs/search.md. */
          q?: string;
          /** @description Exact recipient address (compared in canonical form, see docs/search.md). */
          recipient?: string;
          /** @description Envelope sender address, or a domain (`example.com`) for every sender of that domain; compared in canonical form. */
          sender?: string;
          /** @description Text in the subject. */
          subject?: string;
          /** @description One or more reasons (repeat the parameter). */
          reason?: ("spam" | "malware" | "phish" | "policy" | "bulk" | "manual")[];
          /** @description One or more statuses; default quarantined, release_requested, releasing, released (release_requested alone: requests waiting for a decision). */
          status?: ("quarantined" | "release_requested" | "releasing" | "released" | "deleted" | "expired")[];
          /** @description Inclusive. */
          receivedAfter?: string;
          /** @description Exclusive. */
          receivedBefore?: string;
          limit: number;
          cursor?: string;
          /** @description Order: a field, `-` in front for descending; default `-receivedAt` (newest first). Ties go by id. The DynamoDB store lists newest first only. */
          sort?: "receivedAt" | "-receivedAt" | "sender" | "-sender" | "recipient" | "-recipient" | "subject" | "-subject" | "reason" | "-reason" | "score" | "-score" | "size" | "-size";
        };
      };
      responses: {
        /** @description Default Response */
        200: {
          content: {
            "application/json": {
              items: components["schemas"]["Item"][];
              nextCursor: string | null;
            };
          };
        };
        /** @description Default Response */
        400: {
          content: {
            "application/json": components["schemas"]["ErrorBody"];
          };
        };
        /** @description Default Response */
        401: {
          content: {
            "application/json": components["schemas"]["ErrorBody"];
          };
        };
        /** @description Default Response */
        403: {
          content: {
            "application/json": components["schemas"]["ErrorBody"];
          };
        };
      };
    };
  };
  "/api/quarantine/count": {
    /** How many items a list with these filters has (for "select all N matching"); counts up to `upTo` (at most 1,000,000). */
    get: {
      parameters: {
        query: {
          /** @description Search: `from:` `to:` `subject:` `reason:` `status:` `message-id:` `after:` `before:` `larger:` `smaller:` `has:attachment`, "quoted phrases", `-` to negate, free text. See docs/search.md. */
          q?: string;
          /** @description Exact recipient address (compared in canonical form, see docs/search.md). */
          recipient?: string;
          /** @description Envelope sender address, or a domain (`example.com`) for every sender of that domain; compared in canonical form. */
          sender?: string;
          /** @description Text in the subject. */
          subject?: string;
          /** @description One or more reasons (repeat the parameter). */
          reason?: ("spam" | "malware" | "phish" | "policy" | "bulk" | "manual")[];
          /** @description One or more statuses; default quarantined, release_requested, releasing, released (release_requested alone: requests waiting for a decision). */
          status?: ("quarantined" | "release_requested" | "releasing" | "released" | "deleted" | "expired")[];
          /** @description Inclusive. */
          receivedAfter?: string;
          /** @description Exclusive. */
          receivedBefore?: string;
          /** @description Count at most this many: a list showing its total asks for less (e.g. 10000, shown as "10,000+"), which costs less on a huge selection. */
          upTo: number;
        };
      };
      responses: {
        /** @description Default Response */
        200: {
          content: {
            "application/json": {
              count: number;
              /** @description False when there are more than `count`. */
              exact: boolean;
            };
          };
        };
        /** @description Default Response */
        400: {
          content: {
            "application/json": components["schemas"]["ErrorBody"];
          };
        };
        /** @description Default Response */
        401: {
          content: {
            "application/json": components["schemas"]["ErrorBody"];
          };
        };
        /** @description Default Response */
        403: {
          content: {
            "application/json": components["schemas"]["ErrorBody"];
          };
        };
      };
    };
  };
  "/api/quarantine/{id}": {
    /** One item with its message summary (headers, attachments, envelope). */
    get: {
      parameters: {
        path: {
          /** @description Item id (ULID). */
          id: string;
        };
      };
      responses: {
        /** @description Default Response */
        200: {
          content: {
            "application/json": {
              item: components["schemas"]["Item"];
              message: components["schemas"]["Message"];
            };
          };
        };
        /** @description Default Response */
        400: {
          content: {
            "application/json": components["schemas"]["ErrorBody"];
          };
        };
        /** @description Default Response */
        401: {
          content: {
            "application/json": components["schemas"]["ErrorBody"];
          };
        };
        /** @description Default Response */
        403: {
          content: {
            "application/json": components["schemas"]["ErrorBody"];
          };
        };
        /** @description Default Response */
        404: {
          content: {
            "application/json": components["schemas"]["ErrorBody"];
          };
        };
      };
    };
    /** Delete the item; the raw message goes when no other item needs it. */
    delete: {
      parameters: {
        path: {
          /** @description Item id (ULID). */
          id: string;
        };
      };
      responses: {
        /** @description Default Response */
        200: {
          content: {
            "application/json": {
              item: components["schemas"]["Item"];
            };
          };
        };
        /** @description Default Response */
        400: {
          content: {
            "application/json": components["schemas"]["ErrorBody"];
          };
        };
        /** @description Default Response */
        401: {
          content: {
            "application/json": components["schemas"]["ErrorBody"];
          };
        };
        /** @description Default Response */
        403: {
          content: {
            "application/json": components["schemas"]["ErrorBody"];
          };
        };
        /** @description Default Response */
        404: {
          content: {
            "application/json": components["schemas"]["ErrorBody"];
          };
        };
        /** @description Default Response */
        409: {
          content: {
            "application/json": components["schemas"]["ErrorBody"];
          };
        };
        /** @description Default Response */
        503: {
          content: {
            "application/json": components["schemas"]["ErrorBody"];
          };
        };
      };
    };
  };
  "/api/quarantine/{id}/raw": {
    /** The exact bytes as received, as message/rfc822. */
    get: {
      parameters: {
        path: {
          /** @description Item id (ULID). */
          id: string;
        };
      };
      responses: {
        /** @description Default Response */
        200: {
          content: {
            "message/rfc822": string;
          };
        };
        /** @description Default Response */
        400: {
          content: {
            "message/rfc822": components["schemas"]["ErrorBody"];
          };
        };
        /** @description Default Response */
        401: {
          content: {
            "message/rfc822": components["schemas"]["ErrorBody"];
          };
        };
        /** @description Default Response */
        403: {
          content: {
            "message/rfc822": components["schemas"]["ErrorBody"];
          };
        };
        /** @description Default Response */
        404: {
          content: {
            "message/rfc822": components["schemas"]["ErrorBody"];
          };
        };
      };
    };
  };
  "/api/quarantine/{id}/release": {
    /** Deliver the held message to the mail server; answers once the server accepted it. Malware needs an admin (by default); users set to "request" get 403 and request instead. */
    post: {
      parameters: {
        path: {
          /** @description Item id (ULID). */
          id: string;
        };
      };
      requestBody: {
        content: {
          "application/json": {
            /** @description Send again although released already or interrupted before. */
            force?: boolean;
            /** @description Deliver to these addresses instead of the original recipient (taken in canonical form). */
            recipients?: string[];
          } | null;
        };
      };
      responses: {
        /** @description Default Response */
        200: {
          content: {
            "application/json": {
              item: components["schemas"]["Item"];
            };
          };
        };
        /** @description Default Response */
        400: {
          content: {
            "application/json": components["schemas"]["ErrorBody"];
          };
        };
        /** @description Default Response */
        401: {
          content: {
            "application/json": components["schemas"]["ErrorBody"];
          };
        };
        /** @description Default Response */
        403: {
          content: {
            "application/json": components["schemas"]["ErrorBody"];
          };
        };
        /** @description Default Response */
        404: {
          content: {
            "application/json": components["schemas"]["ErrorBody"];
          };
        };
        /** @description Default Response */
        409: {
          content: {
            "application/json": components["schemas"]["ErrorBody"];
          };
        };
        /** @description Default Response */
        502: {
          content: {
            "application/json": components["schemas"]["ErrorBody"];
          };
        };
        /** @description Default Response */
        503: {
          content: {
            "application/json": components["schemas"]["ErrorBody"];
          };
        };
      };
    };
  };
  "/api/quarantine/{id}/request-release": {
    /** Ask an administrator to release the item; it waits in status release_requested. */
    post: {
      parameters: {
        path: {
          /** @description Item id (ULID). */
          id: string;
        };
      };
      requestBody: {
        content: {
          "application/json": {
            note?: string;
          } | null;
        };
      };
      responses: {
        /** @description Default Response */
        200: {
          content: {
            "application/json": {
              item: components["schemas"]["Item"];
            };
          };
        };
        /** @description Default Response */
        400: {
          content: {
            "application/json": components["schemas"]["ErrorBody"];
          };
        };
        /** @description Default Response */
        401: {
          content: {
            "application/json": components["schemas"]["ErrorBody"];
          };
        };
        /** @description Default Response */
        403: {
          content: {
            "application/json": components["schemas"]["ErrorBody"];
          };
        };
        /** @description Default Response */
        404: {
          content: {
            "application/json": components["schemas"]["ErrorBody"];
          };
        };
        /** @description Default Response */
        409: {
          content: {
            "application/json": components["schemas"]["ErrorBody"];
          };
        };
        /** @description Default Response */
        503: {
          content: {
            "application/json": components["schemas"]["ErrorBody"];
          };
        };
      };
    };
  };
  "/api/quarantine/{id}/approve": {
    /** Approve a release request: the item is delivered as by a release. */
    post: {
      parameters: {
        path: {
          /** @description Item id (ULID). */
          id: string;
        };
      };
      responses: {
        /** @description Default Response */
        200: {
          content: {
            "application/json": {
              item: components["schemas"]["Item"];
            };
          };
        };
        /** @description Default Response */
        400: {
          content: {
            "application/json": components["schemas"]["ErrorBody"];
          };
        };
        /** @description Default Response */
        401: {
          content: {
            "application/json": components["schemas"]["ErrorBody"];
          };
        };
        /** @description Default Response */
        403: {
          content: {
            "application/json": components["schemas"]["ErrorBody"];
          };
        };
        /** @description Default Response */
        404: {
          content: {
            "application/json": components["schemas"]["ErrorBody"];
          };
        };
        /** @description Default Response */
        409: {
          content: {
            "application/json": components["schemas"]["ErrorBody"];
          };
        };
        /** @description Default Response */
        502: {
          content: {
            "application/json": components["schemas"]["ErrorBody"];
          };
        };
        /** @description Default Response */
        503: {
          content: {
            "application/json": components["schemas"]["ErrorBody"];
          };
        };
      };
    };
  };
  "/api/quarantine/{id}/deny": {
    /** Deny a release request: the item goes back to quarantined, the reason in lastError. */
    post: {
      parameters: {
        path: {
          /** @description Item id (ULID). */
          id: string;
        };
      };
      requestBody: {
        content: {
          "application/json": {
            reason?: string;
          } | null;
        };
      };
      responses: {
        /** @description Default Response */
        200: {
          content: {
            "application/json": {
              item: components["schemas"]["Item"];
            };
          };
        };
        /** @description Default Response */
        400: {
          content: {
            "application/json": components["schemas"]["ErrorBody"];
          };
        };
        /** @description Default Response */
        401: {
          content: {
            "application/json": components["schemas"]["ErrorBody"];
          };
        };
        /** @description Default Response */
        403: {
          content: {
            "application/json": components["schemas"]["ErrorBody"];
          };
        };
        /** @description Default Response */
        404: {
          content: {
            "application/json": components["schemas"]["ErrorBody"];
          };
        };
        /** @description Default Response */
        409: {
          content: {
            "application/json": components["schemas"]["ErrorBody"];
          };
        };
        /** @description Default Response */
        503: {
          content: {
            "application/json": components["schemas"]["ErrorBody"];
          };
        };
      };
    };
  };
  "/api/quarantine/release": {
    /** Release many items (compatible with the original API). Up to bulk.syncLimit distinct ids answer 200 with per-item results; more answer 202 with a job. */
    post: {
      requestBody: {
        content: {
          "application/json": {
            /** @description Item ids (repeats are processed once). Up to bulk.syncLimit run in the request; more become a job. At most 100000; select more with a query job. */
            ids: string[];
            /** @description Deliver to these addresses instead of the original recipient (taken in canonical form). */
            recipients?: string[];
            /** @description Send again although released already or interrupted before. */
            force?: boolean;
          };
        };
      };
      responses: {
        /** @description Default Response */
        200: {
          content: {
            "application/json": components["schemas"]["BulkResult"];
          };
        };
        /** @description Default Response */
        202: {
          content: {
            "application/json": {
              job: components["schemas"]["Job"];
            };
          };
        };
        /** @description Default Response */
        400: {
          content: {
            "application/json": components["schemas"]["ErrorBody"];
          };
        };
        /** @description Default Response */
        401: {
          content: {
            "application/json": components["schemas"]["ErrorBody"];
          };
        };
        /** @description Default Response */
        403: {
          content: {
            "application/json": components["schemas"]["ErrorBody"];
          };
        };
        /** @description Default Response */
        503: {
          content: {
            "application/json": components["schemas"]["ErrorBody"];
          };
        };
      };
    };
  };
  "/api/quarantine/delete": {
    /** Delete many items (compatible with the original API). Up to bulk.syncLimit distinct ids answer 200 with per-item results; more answer 202 with a job. */
    post: {
      requestBody: {
        content: {
          "application/json": {
            /** @description Item ids (repeats are processed once). Up to bulk.syncLimit run in the request; more become a job. At most 100000; select more with a query job. */
            ids: string[];
          };
        };
      };
      responses: {
        /** @description Default Response */
        200: {
          content: {
            "application/json": components["schemas"]["BulkResult"];
          };
        };
        /** @description Default Response */
        202: {
          content: {
            "application/json": {
              job: components["schemas"]["Job"];
            };
          };
        };
        /** @description Default Response */
        400: {
          content: {
            "application/json": components["schemas"]["ErrorBody"];
          };
        };
        /** @description Default Response */
        401: {
          content: {
            "application/json": components["schemas"]["ErrorBody"];
          };
        };
        /** @description Default Response */
        403: {
          content: {
            "application/json": components["schemas"]["ErrorBody"];
          };
        };
        /** @description Default Response */
        503: {
          content: {
            "application/json": components["schemas"]["ErrorBody"];
          };
        };
      };
    };
  };
  "/api/quarantine/jobs": {
    /** Jobs, newest first: your own; administrators see all. */
    get: {
      parameters: {
        query: {
          limit: number;
          cursor?: string;
        };
      };
      responses: {
        /** @description Default Response */
        200: {
          content: {
            "application/json": {
              jobs: components["schemas"]["Job"][];
              nextCursor: string | null;
            };
          };
        };
        /** @description Default Response */
        400: {
          content: {
            "application/json": components["schemas"]["ErrorBody"];
          };
        };
        /** @description Default Response */
        401: {
          content: {
            "application/json": components["schemas"]["ErrorBody"];
          };
        };
        /** @description Default Response */
        403: {
          content: {
            "application/json": components["schemas"]["ErrorBody"];
          };
        };
      };
    };
    /** Start a durable bulk job over ids or a search query (any size). The same Idempotency-Key answers the same job. */
    post: {
      parameters: {
        header?: {
          /** @description Repeat-safe key, per caller. */
          "idempotency-key"?: string;
        };
      };
      requestBody: {
        content: {
          "application/json": {
            /** @enum {unknown} */
            action: "release" | "delete";
            ids?: string[];
            /** @description Search query (docs/search.md), evaluated within your access scope. */
            query?: string;
            recipients?: string[];
            force?: boolean;
          };
        };
      };
      responses: {
        /** @description Default Response */
        202: {
          content: {
            "application/json": {
              job: components["schemas"]["Job"];
            };
          };
        };
        /** @description Default Response */
        400: {
          content: {
            "application/json": components["schemas"]["ErrorBody"];
          };
        };
        /** @description Default Response */
        401: {
          content: {
            "application/json": components["schemas"]["ErrorBody"];
          };
        };
        /** @description Default Response */
        403: {
          content: {
            "application/json": components["schemas"]["ErrorBody"];
          };
        };
        /** @description Default Response */
        409: {
          content: {
            "application/json": components["schemas"]["ErrorBody"];
          };
        };
        /** @description Default Response */
        503: {
          content: {
            "application/json": components["schemas"]["ErrorBody"];
          };
        };
      };
    };
  };
  "/api/quarantine/jobs/{id}": {
    /** One job: state, counters by outcome, cursor, engine stats. */
    get: {
      parameters: {
        path: {
          /** @description Job id (ULID). */
          id: string;
        };
      };
      responses: {
        /** @description Default Response */
        200: {
          content: {
            "application/json": {
              job: components["schemas"]["Job"];
            };
          };
        };
        /** @description Default Response */
        400: {
          content: {
            "application/json": components["schemas"]["ErrorBody"];
          };
        };
        /** @description Default Response */
        401: {
          content: {
            "application/json": components["schemas"]["ErrorBody"];
          };
        };
        /** @description Default Response */
        403: {
          content: {
            "application/json": components["schemas"]["ErrorBody"];
          };
        };
        /** @description Default Response */
        404: {
          content: {
            "application/json": components["schemas"]["ErrorBody"];
          };
        };
      };
    };
  };
  "/api/quarantine/jobs/{id}/items": {
    /** The job's items in selection order with their outcomes, paged; filter by outcome. */
    get: {
      parameters: {
        query: {
          /** @description `pending`: no outcome yet. */
          outcome?: "ok" | "not_found" | "forbidden" | "already_released" | "already_deleted" | "conflict" | "interrupted" | "delivery_deferred" | "delivery_rejected" | "store_error" | "cancelled" | "pending";
          limit: number;
          cursor?: string;
        };
        path: {
          /** @description Job id (ULID). */
          id: string;
        };
      };
      responses: {
        /** @description Default Response */
        200: {
          content: {
            "application/json": {
              items: components["schemas"]["JobItem"][];
              nextCursor: string | null;
            };
          };
        };
        /** @description Default Response */
        400: {
          content: {
            "application/json": components["schemas"]["ErrorBody"];
          };
        };
        /** @description Default Response */
        401: {
          content: {
            "application/json": components["schemas"]["ErrorBody"];
          };
        };
        /** @description Default Response */
        403: {
          content: {
            "application/json": components["schemas"]["ErrorBody"];
          };
        };
        /** @description Default Response */
        404: {
          content: {
            "application/json": components["schemas"]["ErrorBody"];
          };
        };
      };
    };
  };
  "/api/quarantine/jobs/{id}/cancel": {
    /** Stop the job: no new items start; the rest end `cancelled`. */
    post: {
      parameters: {
        path: {
          /** @description Job id (ULID). */
          id: string;
        };
      };
      responses: {
        /** @description Default Response */
        202: {
          content: {
            "application/json": {
              job: components["schemas"]["Job"];
            };
          };
        };
        /** @description Default Response */
        400: {
          content: {
            "application/json": components["schemas"]["ErrorBody"];
          };
        };
        /** @description Default Response */
        401: {
          content: {
            "application/json": components["schemas"]["ErrorBody"];
          };
        };
        /** @description Default Response */
        403: {
          content: {
            "application/json": components["schemas"]["ErrorBody"];
          };
        };
        /** @description Default Response */
        404: {
          content: {
            "application/json": components["schemas"]["ErrorBody"];
          };
        };
      };
    };
  };
  "/api/quarantine/jobs/{id}/events": {
    /** Server-Sent Events: `progress` with the job whenever it changes, then `end` with the final job. */
    get: {
      parameters: {
        path: {
          /** @description Job id (ULID). */
          id: string;
        };
      };
      responses: {
        /** @description event: progress|end, data: {"job": Job} */
        200: {
          content: {
            "text/event-stream": string;
          };
        };
        /** @description Default Response */
        400: {
          content: {
            "text/event-stream": components["schemas"]["ErrorBody"];
          };
        };
        /** @description Default Response */
        401: {
          content: {
            "text/event-stream": components["schemas"]["ErrorBody"];
          };
        };
        /** @description Default Response */
        403: {
          content: {
            "text/event-stream": components["schemas"]["ErrorBody"];
          };
        };
        /** @description Default Response */
        404: {
          content: {
            "text/event-stream": components["schemas"]["ErrorBody"];
          };
        };
      };
    };
  };
  "/api/audit": {
    /** The audit log, newest first: all of it for admins, their domains for domain admins. Each entry names the user it was about by email (`target.userEmail`). */
    get: {
      parameters: {
        query: {
          /** @description Exact action, e.g. item.release. */
          action?: string;
          /** @description Actor id: a user id or a token id. */
          actor?: string;
          /** @description A person by email: what they did signed in and with any of their API tokens. No user with that email: no entries. */
          person?: string;
          /** @description Only entries about this item (ULID). */
          itemId?: string;
          /** @description Only entries about this job (ULID). */
          jobId?: string;
          /** @description Inclusive. */
          after?: string;
          /** @description Exclusive. */
          before?: string;
          limit: number;
          cursor?: string;
        };
      };
      responses: {
        /** @description Default Response */
        200: {
          content: {
            "application/json": {
              entries: components["schemas"]["AuditEntry"][];
              nextCursor: string | null;
            };
          };
        };
        /** @description Default Response */
        400: {
          content: {
            "application/json": components["schemas"]["ErrorBody"];
          };
        };
        /** @description Default Response */
        401: {
          content: {
            "application/json": components["schemas"]["ErrorBody"];
          };
        };
        /** @description Default Response */
        403: {
          content: {
            "application/json": components["schemas"]["ErrorBody"];
          };
        };
      };
    };
  };
  "/api/users": {
    /** Users by email: all for admins, those of their domains for domain admins. */
    get: {
      parameters: {
        query: {
          role?: "admin" | "domain_admin" | "user";
          limit: number;
          cursor?: string;
        };
      };
      responses: {
        /** @description Default Response */
        200: {
          content: {
            "application/json": {
              users: components["schemas"]["User"][];
              nextCursor: string | null;
            };
          };
        };
        /** @description Default Response */
        400: {
          content: {
            "application/json": components["schemas"]["ErrorBody"];
          };
        };
        /** @description Default Response */
        401: {
          content: {
            "application/json": components["schemas"]["ErrorBody"];
          };
        };
        /** @description Default Response */
        403: {
          content: {
            "application/json": components["schemas"]["ErrorBody"];
          };
        };
      };
    };
    /** Create a user; without a password one is generated and answered once. */
    post: {
      requestBody: {
        content: {
          "application/json": {
            email: string;
            displayName?: string;
            /** @enum {unknown} */
            role: "admin" | "domain_admin" | "user";
            domains?: string[];
            addresses?: string[];
            password?: string;
            releaseMode?: ("release" | "request") | null;
          };
        };
      };
      responses: {
        /** @description Default Response */
        201: {
          content: {
            "application/json": {
              user: components["schemas"]["User"];
              password?: string;
            };
          };
        };
        /** @description Default Response */
        400: {
          content: {
            "application/json": components["schemas"]["ErrorBody"];
          };
        };
        /** @description Default Response */
        401: {
          content: {
            "application/json": components["schemas"]["ErrorBody"];
          };
        };
        /** @description Default Response */
        403: {
          content: {
            "application/json": components["schemas"]["ErrorBody"];
          };
        };
        /** @description Default Response */
        409: {
          content: {
            "application/json": components["schemas"]["ErrorBody"];
          };
        };
      };
    };
  };
  "/api/users/{id}": {
    /** One user. */
    get: {
      parameters: {
        path: {
          /** @description User id (ULID). */
          id: string;
        };
      };
      responses: {
        /** @description Default Response */
        200: {
          content: {
            "application/json": {
              user: components["schemas"]["User"];
            };
          };
        };
        /** @description Default Response */
        400: {
          content: {
            "application/json": components["schemas"]["ErrorBody"];
          };
        };
        /** @description Default Response */
        401: {
          content: {
            "application/json": components["schemas"]["ErrorBody"];
          };
        };
        /** @description Default Response */
        403: {
          content: {
            "application/json": components["schemas"]["ErrorBody"];
          };
        };
        /** @description Default Response */
        404: {
          content: {
            "application/json": components["schemas"]["ErrorBody"];
          };
        };
      };
    };
    /** Change a user: profile and role fields, `disabled` (ends their sessions), or `password` (ends their sessions). Each kind of change is one audit entry. */
    patch: {
      parameters: {
        path: {
          /** @description User id (ULID). */
          id: string;
        };
      };
      requestBody: {
        content: {
          "application/json": {
            displayName?: string;
            /** @enum {unknown} */
            role?: "admin" | "domain_admin" | "user";
            domains?: string[];
            addresses?: string[];
            releaseMode?: ("release" | "request") | null;
            disabled?: boolean;
            password?: string;
          };
        };
      };
      responses: {
        /** @description Default Response */
        200: {
          content: {
            "application/json": {
              user: components["schemas"]["User"];
            };
          };
        };
        /** @description Default Response */
        400: {
          content: {
            "application/json": components["schemas"]["ErrorBody"];
          };
        };
        /** @description Default Response */
        401: {
          content: {
            "application/json": components["schemas"]["ErrorBody"];
          };
        };
        /** @description Default Response */
        403: {
          content: {
            "application/json": components["schemas"]["ErrorBody"];
          };
        };
        /** @description Default Response */
        404: {
          content: {
            "application/json": components["schemas"]["ErrorBody"];
          };
        };
        /** @description Default Response */
        409: {
          content: {
            "application/json": components["schemas"]["ErrorBody"];
          };
        };
      };
    };
  };
  "/api/users/{id}/identity": {
    /** Unlink a user from their identity at a sign-in provider (the person left and the provider gave their email to someone else): ends their sessions; the next sign-in with the email links the account again. Audited as `user.update` with `params.link: "unlinked"`; a user without a link is answered unchanged. */
    delete: {
      parameters: {
        path: {
          /** @description User id (ULID). */
          id: string;
        };
      };
      responses: {
        /** @description Default Response */
        200: {
          content: {
            "application/json": {
              user: components["schemas"]["User"];
            };
          };
        };
        /** @description Default Response */
        400: {
          content: {
            "application/json": components["schemas"]["ErrorBody"];
          };
        };
        /** @description Default Response */
        401: {
          content: {
            "application/json": components["schemas"]["ErrorBody"];
          };
        };
        /** @description Default Response */
        403: {
          content: {
            "application/json": components["schemas"]["ErrorBody"];
          };
        };
        /** @description Default Response */
        404: {
          content: {
            "application/json": components["schemas"]["ErrorBody"];
          };
        };
      };
    };
  };
  "/api/users/{id}/password": {
    /** Reset a user’s password: the one given, or a generated one answered once (`password`). Ends their sessions; audited as `user.password`. */
    post: {
      parameters: {
        path: {
          /** @description User id (ULID). */
          id: string;
        };
      };
      requestBody: {
        content: {
          "application/json": {
            password?: string;
          } | null;
        };
      };
      responses: {
        /** @description Default Response */
        200: {
          content: {
            "application/json": {
              user: components["schemas"]["User"];
              /** @description The generated password; shown only here. */
              password?: string;
            };
          };
        };
        /** @description Default Response */
        400: {
          content: {
            "application/json": components["schemas"]["ErrorBody"];
          };
        };
        /** @description Default Response */
        401: {
          content: {
            "application/json": components["schemas"]["ErrorBody"];
          };
        };
        /** @description Default Response */
        403: {
          content: {
            "application/json": components["schemas"]["ErrorBody"];
          };
        };
        /** @description Default Response */
        404: {
          content: {
            "application/json": components["schemas"]["ErrorBody"];
          };
        };
      };
    };
  };
  "/api/users/{id}/tokens": {
    /** A user's API tokens, newest first (revoked and expired ones included). */
    get: {
      parameters: {
        query: {
          limit: number;
          cursor?: string;
        };
        path: {
          /** @description User id (ULID). */
          id: string;
        };
      };
      responses: {
        /** @description Default Response */
        200: {
          content: {
            "application/json": {
              tokens: components["schemas"]["Token"][];
              nextCursor: string | null;
            };
          };
        };
        /** @description Default Response */
        400: {
          content: {
            "application/json": components["schemas"]["ErrorBody"];
          };
        };
        /** @description Default Response */
        401: {
          content: {
            "application/json": components["schemas"]["ErrorBody"];
          };
        };
        /** @description Default Response */
        403: {
          content: {
            "application/json": components["schemas"]["ErrorBody"];
          };
        };
        /** @description Default Response */
        404: {
          content: {
            "application/json": components["schemas"]["ErrorBody"];
          };
        };
      };
    };
    /** Create an API token for the user; the secret is in this answer only. */
    post: {
      parameters: {
        path: {
          /** @description User id (ULID). */
          id: string;
        };
      };
      requestBody: {
        content: {
          "application/json": {
            /** @enum {unknown} */
            scope: "read" | "release" | "admin";
            name?: string;
            /** @description Lifetime such as 90m, 12h, 30d, 2w. */
            expires?: string;
          };
        };
      };
      responses: {
        /** @description Default Response */
        201: {
          content: {
            "application/json": {
              token: components["schemas"]["Token"];
              secret: string;
            };
          };
        };
        /** @description Default Response */
        400: {
          content: {
            "application/json": components["schemas"]["ErrorBody"];
          };
        };
        /** @description Default Response */
        401: {
          content: {
            "application/json": components["schemas"]["ErrorBody"];
          };
        };
        /** @description Default Response */
        403: {
          content: {
            "application/json": components["schemas"]["ErrorBody"];
          };
        };
        /** @description Default Response */
        404: {
          content: {
            "application/json": components["schemas"]["ErrorBody"];
          };
        };
      };
    };
  };
  "/api/tokens/{id}": {
    /** Revoke an API token; it is refused from now on. */
    delete: {
      parameters: {
        path: {
          /** @description Token id (ULID). */
          id: string;
        };
      };
      responses: {
        /** @description Default Response */
        200: {
          content: {
            "application/json": {
              token: components["schemas"]["Token"];
            };
          };
        };
        /** @description Default Response */
        400: {
          content: {
            "application/json": components["schemas"]["ErrorBody"];
          };
        };
        /** @description Default Response */
        401: {
          content: {
            "application/json": components["schemas"]["ErrorBody"];
          };
        };
        /** @description Default Response */
        403: {
          content: {
            "application/json": components["schemas"]["ErrorBody"];
          };
        };
        /** @description Default Response */
        404: {
          content: {
            "application/json": components["schemas"]["ErrorBody"];
          };
        };
      };
    };
  };
  "/api/auth/totp/enrol": {
    /** Start setting up a TOTP second factor: answers the secret and its otpauth:// URI once; active after /api/auth/totp/confirm. */
    post: {
      responses: {
        /** @description Default Response */
        200: {
          content: {
            "application/json": {
              /** @description The shared secret, Base32: type it into an app that cannot scan. */
              secret: string;
              /** @description The otpauth:// URI an authenticator app scans as a QR code. */
              otpauthUri: string;
            };
          };
        };
        /** @description Default Response */
        400: {
          content: {
            "application/json": components["schemas"]["ErrorBody"];
          };
        };
        /** @description Default Response */
        401: {
          content: {
            "application/json": components["schemas"]["ErrorBody"];
          };
        };
        /** @description Default Response */
        403: {
          content: {
            "application/json": components["schemas"]["ErrorBody"];
          };
        };
        /** @description Default Response */
        409: {
          content: {
            "application/json": components["schemas"]["ErrorBody"];
          };
        };
      };
    };
  };
  "/api/auth/totp/confirm": {
    /** Activate the second factor with a first code of the app; answers the recovery codes, shown only this once. */
    post: {
      requestBody: {
        content: {
          "application/json": {
            /** @description The current code of the authenticator app, or one of the recovery codes. */
            code: string;
          };
        };
      };
      responses: {
        /** @description Default Response */
        200: {
          content: {
            "application/json": {
              /** @description Each signs in once instead of a code; shown only in this answer. */
              recoveryCodes: string[];
            };
          };
        };
        /** @description Default Response */
        400: {
          content: {
            "application/json": components["schemas"]["ErrorBody"];
          };
        };
        /** @description Default Response */
        401: {
          content: {
            "application/json": components["schemas"]["ErrorBody"];
          };
        };
        /** @description Default Response */
        403: {
          content: {
            "application/json": components["schemas"]["ErrorBody"];
          };
        };
        /** @description Default Response */
        409: {
          content: {
            "application/json": components["schemas"]["ErrorBody"];
          };
        };
      };
    };
  };
  "/api/auth/totp/remove": {
    /** Remove your own second factor, with a current code or a recovery code. */
    post: {
      requestBody: {
        content: {
          "application/json": {
            /** @description The current code of the authenticator app, or one of the recovery codes. */
            code: string;
          };
        };
      };
      responses: {
        /** @description Default Response */
        204: {
          content: never;
        };
        /** @description Default Response */
        400: {
          content: {
            "application/json": components["schemas"]["ErrorBody"];
          };
        };
        /** @description Default Response */
        401: {
          content: {
            "application/json": components["schemas"]["ErrorBody"];
          };
        };
        /** @description Default Response */
        403: {
          content: {
            "application/json": components["schemas"]["ErrorBody"];
          };
        };
        /** @description Default Response */
        409: {
          content: {
            "application/json": components["schemas"]["ErrorBody"];
          };
        };
      };
    };
  };
  "/api/users/{id}/totp": {
    /** Remove a user's second factor (a lost phone): they sign in with their password alone and may enrol again. */
    delete: {
      parameters: {
        path: {
          /** @description User id (ULID). */
          id: string;
        };
      };
      responses: {
        /** @description Default Response */
        204: {
          content: never;
        };
        /** @description Default Response */
        400: {
          content: {
            "application/json": components["schemas"]["ErrorBody"];
          };
        };
        /** @description Default Response */
        401: {
          content: {
            "application/json": components["schemas"]["ErrorBody"];
          };
        };
        /** @description Default Response */
        403: {
          content: {
            "application/json": components["schemas"]["ErrorBody"];
          };
        };
        /** @description Default Response */
        404: {
          content: {
            "application/json": components["schemas"]["ErrorBody"];
          };
        };
        /** @description Default Response */
        409: {
          content: {
            "application/json": components["schemas"]["ErrorBody"];
          };
        };
      };
    };
  };
  "/api/quarantine/{id}/content": {
    /** All header lines and what the preview of the message will show. */
    get: {
      parameters: {
        path: {
          /** @description Item id (ULID). */
          id: string;
        };
      };
      responses: {
        /** @description Default Response */
        200: {
          content: {
            "application/json": {
              /** @description Every top-level header line in order, unfolded. */
              headers: {
                  name: string;
                  value: string;
                }[];
              /** @description The message has an HTML part. */
              html: boolean;
              /** @description The message has a plain text part. */
              text: boolean;
              /** @description Remote images, backgrounds, style sheets and fonts the HTML preview holds back. */
              remoteResources: number;
              /** @description Embedded (cid:) images shown in the preview. */
              inlineImages: number;
              /** @description Parts that were cut or left out. */
              problems: string[];
            };
          };
        };
        /** @description Default Response */
        400: {
          content: {
            "application/json": components["schemas"]["ErrorBody"];
          };
        };
        /** @description Default Response */
        401: {
          content: {
            "application/json": components["schemas"]["ErrorBody"];
          };
        };
        /** @description Default Response */
        403: {
          content: {
            "application/json": components["schemas"]["ErrorBody"];
          };
        };
        /** @description Default Response */
        404: {
          content: {
            "application/json": components["schemas"]["ErrorBody"];
          };
        };
        /** @description Default Response */
        503: {
          content: {
            "application/json": components["schemas"]["ErrorBody"];
          };
        };
      };
    };
  };
  "/api/quarantine/{id}/preview": {
    /** The message as a safe HTML document: sanitised on the server, served under a CSP that lets no script run and nothing load unless `remote=true`. Show it in an iframe with an empty `sandbox` attribute. */
    get: {
      parameters: {
        query: {
          /** @description Which part to show; the text part stands in when there is no HTML part, and vice versa. */
          part: "html" | "text";
          /** @description Let remote images, style sheets and fonts load (the viewer asked for them). */
          remote: boolean;
        };
        path: {
          /** @description Item id (ULID). */
          id: string;
        };
      };
      responses: {
        /** @description Default Response */
        200: {
          content: {
            "text/html": string;
          };
        };
        /** @description Default Response */
        400: {
          content: {
            "text/html": components["schemas"]["ErrorBody"];
          };
        };
        /** @description Default Response */
        401: {
          content: {
            "text/html": components["schemas"]["ErrorBody"];
          };
        };
        /** @description Default Response */
        403: {
          content: {
            "text/html": components["schemas"]["ErrorBody"];
          };
        };
        /** @description Default Response */
        404: {
          content: {
            "text/html": components["schemas"]["ErrorBody"];
          };
        };
        /** @description Default Response */
        503: {
          content: {
            "text/html": components["schemas"]["ErrorBody"];
          };
        };
      };
    };
  };
  "/api/quarantine/{id}/attachments/{index}": {
    /** Download one attachment, decoded, always as application/octet-stream. Attachments of mail held as malware: only for those who may release it (`access.malwareRelease`); the item's `allowedActions` lists `download_attachment` when allowed. */
    get: {
      parameters: {
        path: {
          /** @description Item id (ULID). */
          id: string;
          /** @description Position in the item’s `attachments` list: 0, 1, 2 … in plain decimal digits. */
          index: string;
        };
      };
      responses: {
        /** @description Default Response */
        200: {
          content: {
            "application/octet-stream": string;
          };
        };
        /** @description Default Response */
        400: {
          content: {
            "application/octet-stream": components["schemas"]["ErrorBody"];
          };
        };
        /** @description Default Response */
        401: {
          content: {
            "application/octet-stream": components["schemas"]["ErrorBody"];
          };
        };
        /** @description Default Response */
        403: {
          content: {
            "application/octet-stream": components["schemas"]["ErrorBody"];
          };
        };
        /** @description Default Response */
        404: {
          content: {
            "application/octet-stream": components["schemas"]["ErrorBody"];
          };
        };
        /** @description Default Response */
        503: {
          content: {
            "application/octet-stream": components["schemas"]["ErrorBody"];
          };
        };
      };
    };
  };
  "/api/stats": {
    /** Dashboard numbers for what the caller may see: items held per day and reason, releases and deletes per day, items per status, top senders and recipients. */
    get: {
      parameters: {
        query: {
          /** @description Length of the window in days. */
          days: number;
          /** @description How many top senders and recipients. */
          top: number;
        };
      };
      responses: {
        /** @description Default Response */
        200: {
          content: {
            "application/json": {
              /** @description First day of the window (UTC, inclusive). */
              from: string;
              /** @description Last day of the window: today (UTC). */
              to: string;
              /** @description Every day of the window, oldest first. */
              days: {
                  /** @description YYYY-MM-DD (UTC). */
                  day: string;
                  held: {
                    spam: number;
                    malware: number;
                    phish: number;
                    policy: number;
                    bulk: number;
                    manual: number;
                  };
                  released: number;
                  deleted: number;
                  expired: number;
                }[];
              totals: {
                held: {
                  spam: number;
                  malware: number;
                  phish: number;
                  policy: number;
                  bulk: number;
                  manual: number;
                };
                released: number;
                deleted: number;
                expired: number;
              };
              /** @description Items in each status now. */
              statuses: {
                quarantined: number;
                releasing: number;
                released: number;
                deleted: number;
                expired: number;
              };
              /** @description Senders with the most items waiting now. */
              topSenders: {
                  address: string;
                  count: number;
                }[];
              /** @description Recipients with the most items waiting now. */
              topRecipients: {
                  address: string;
                  count: number;
                }[];
              /** @description True when the store stopped counting early (DynamoDB reads at most 100,000 items): lower bounds. */
              partial: boolean;
            };
          };
        };
        /** @description Default Response */
        400: {
          content: {
            "application/json": components["schemas"]["ErrorBody"];
          };
        };
        /** @description Default Response */
        401: {
          content: {
            "application/json": components["schemas"]["ErrorBody"];
          };
        };
        /** @description Default Response */
        403: {
          content: {
            "application/json": components["schemas"]["ErrorBody"];
          };
        };
        /** @description Default Response */
        503: {
          content: {
            "application/json": components["schemas"]["ErrorBody"];
          };
        };
      };
    };
  };
  "/api/lists": {
    /** Allow and block list entries, newest first. Without `scope`: your own list (domain admins: their domains' lists; admins: every list). */
    get: {
      parameters: {
        query: {
          /** @description Whose list: a user (default: your own), a recipient domain, or everyone. */
          scope?: "user" | "domain" | "global";
          /** @description List entry id (ULID). */
          userId?: string;
          domain?: string;
          /** @description allow: spam and bulk verdicts do not hold the sender. block: the sender is always held. */
          action?: "allow" | "block";
          /** @description An address (news@shop.example) or a domain (shop.example, also its subdomains). */
          sender?: string;
          limit: number;
          cursor?: string;
        };
      };
      responses: {
        /** @description Default Response */
        200: {
          content: {
            "application/json": {
              entries: ({
                  id: string;
                  /**
                   * @description Whose list: a user (default: your own), a recipient domain, or everyone.
                   * @enum {unknown}
                   */
                  scope: "user" | "domain" | "global";
                  userId?: string;
                  domain?: string;
                  /**
                   * @description allow: spam and bulk verdicts do not hold the sender. block: the sender is always held.
                   * @enum {unknown}
                   */
                  action: "allow" | "block";
                  sender: string;
                  /** Format: date-time */
                  updatedAt: string;
                  updatedBy: string;
                })[];
              nextCursor: string | null;
            };
          };
        };
        /** @description Default Response */
        400: {
          content: {
            "application/json": components["schemas"]["ErrorBody"];
          };
        };
        /** @description Default Response */
        401: {
          content: {
            "application/json": components["schemas"]["ErrorBody"];
          };
        };
        /** @description Default Response */
        403: {
          content: {
            "application/json": components["schemas"]["ErrorBody"];
          };
        };
        /** @description Default Response */
        404: {
          content: {
            "application/json": components["schemas"]["ErrorBody"];
          };
        };
      };
    };
    /** Allow or block a sender. One entry per list and sender: putting a sender again changes its action (201 when new, 200 when changed). */
    post: {
      requestBody: {
        content: {
          "application/json": {
            /**
             * @description Whose list: a user (default: your own), a recipient domain, or everyone.
             * @enum {unknown}
             */
            scope?: "user" | "domain" | "global";
            /** @description List entry id (ULID). */
            userId?: string;
            domain?: string;
            /**
             * @description allow: spam and bulk verdicts do not hold the sender. block: the sender is always held.
             * @enum {unknown}
             */
            action: "allow" | "block";
            /** @description An address (news@shop.example) or a domain (shop.example, also its subdomains). */
            sender: string;
          };
        };
      };
      responses: {
        /** @description Default Response */
        200: {
          content: {
            "application/json": {
              entry: {
                id: string;
                /**
                 * @description Whose list: a user (default: your own), a recipient domain, or everyone.
                 * @enum {unknown}
                 */
                scope: "user" | "domain" | "global";
                userId?: string;
                domain?: string;
                /**
                 * @description allow: spam and bulk verdicts do not hold the sender. block: the sender is always held.
                 * @enum {unknown}
                 */
                action: "allow" | "block";
                sender: string;
                /** Format: date-time */
                updatedAt: string;
                updatedBy: string;
              };
              /**
               * @description allow: spam and bulk verdicts do not hold the sender. block: the sender is always held.
               * @enum {unknown}
               */
              previousAction?: "allow" | "block";
            };
          };
        };
        /** @description Default Response */
        201: {
          content: {
            "application/json": {
              entry: {
                id: string;
                /**
                 * @description Whose list: a user (default: your own), a recipient domain, or everyone.
                 * @enum {unknown}
                 */
                scope: "user" | "domain" | "global";
                userId?: string;
                domain?: string;
                /**
                 * @description allow: spam and bulk verdicts do not hold the sender. block: the sender is always held.
                 * @enum {unknown}
                 */
                action: "allow" | "block";
                sender: string;
                /** Format: date-time */
                updatedAt: string;
                updatedBy: string;
              };
            };
          };
        };
        /** @description Default Response */
        400: {
          content: {
            "application/json": components["schemas"]["ErrorBody"];
          };
        };
        /** @description Default Response */
        401: {
          content: {
            "application/json": components["schemas"]["ErrorBody"];
          };
        };
        /** @description Default Response */
        403: {
          content: {
            "application/json": components["schemas"]["ErrorBody"];
          };
        };
        /** @description Default Response */
        404: {
          content: {
            "application/json": components["schemas"]["ErrorBody"];
          };
        };
      };
    };
  };
  "/api/lists/{id}": {
    /** Remove an allow or block entry from a list you manage. */
    delete: {
      parameters: {
        path: {
          /** @description List entry id (ULID). */
          id: string;
        };
      };
      responses: {
        /** @description Default Response */
        200: {
          content: {
            "application/json": {
              entry: {
                id: string;
                /**
                 * @description Whose list: a user (default: your own), a recipient domain, or everyone.
                 * @enum {unknown}
                 */
                scope: "user" | "domain" | "global";
                userId?: string;
                domain?: string;
                /**
                 * @description allow: spam and bulk verdicts do not hold the sender. block: the sender is always held.
                 * @enum {unknown}
                 */
                action: "allow" | "block";
                sender: string;
                /** Format: date-time */
                updatedAt: string;
                updatedBy: string;
              };
            };
          };
        };
        /** @description Default Response */
        400: {
          content: {
            "application/json": components["schemas"]["ErrorBody"];
          };
        };
        /** @description Default Response */
        401: {
          content: {
            "application/json": components["schemas"]["ErrorBody"];
          };
        };
        /** @description Default Response */
        403: {
          content: {
            "application/json": components["schemas"]["ErrorBody"];
          };
        };
        /** @description Default Response */
        404: {
          content: {
            "application/json": components["schemas"]["ErrorBody"];
          };
        };
      };
    };
  };
  "/api/users/{id}/digest-settings": {
    /** A user's digest schedule, as GET /api/digest/settings answers it to them. */
    get: {
      parameters: {
        path: {
          /** @description User id (ULID). */
          id: string;
        };
      };
      responses: {
        /** @description Default Response */
        200: {
          content: {
            "application/json": {
              own: {
                /** @enum {unknown} */
                frequency?: "never" | "hourly" | "daily" | "weekly";
                /** @description Local hour of daily and weekly digests. */
                hour?: number;
                /** @description 0 Sunday, 1 Monday, … 6 Saturday. */
                weekday?: number;
                /** @description IANA time zone, e.g. Europe/Berlin. */
                timeZone?: string;
                /** @description Administrators and domain administrators: the domains to receive copies for. */
                domains?: string[];
              };
              /** @description The domain whose default you inherit. */
              domain: string;
              effective: {
                /** @enum {unknown} */
                frequency: "never" | "hourly" | "daily" | "weekly";
                hour: number;
                weekday: number;
                timeZone: string;
              };
              /** @description Whether you receive digests with these settings. */
              receives: boolean;
              copyOf: string[] | null;
              lastSentAt: string | null;
              lastError: {
                code: string;
                detail: string;
                at: string;
              } | null;
            };
          };
        };
        /** @description Default Response */
        400: {
          content: {
            "application/json": components["schemas"]["ErrorBody"];
          };
        };
        /** @description Default Response */
        401: {
          content: {
            "application/json": components["schemas"]["ErrorBody"];
          };
        };
        /** @description Default Response */
        403: {
          content: {
            "application/json": components["schemas"]["ErrorBody"];
          };
        };
        /** @description Default Response */
        404: {
          content: {
            "application/json": components["schemas"]["ErrorBody"];
          };
        };
      };
    };
    /** Set a user's own digest schedule (audited as `digest.settings`). */
    put: {
      parameters: {
        path: {
          /** @description User id (ULID). */
          id: string;
        };
      };
      requestBody: {
        content: {
          "application/json": {
            /** @enum {unknown} */
            frequency?: "never" | "hourly" | "daily" | "weekly";
            /** @description Local hour of daily and weekly digests. */
            hour?: number;
            /** @description 0 Sunday, 1 Monday, … 6 Saturday. */
            weekday?: number;
            /** @description IANA time zone, e.g. Europe/Berlin. */
            timeZone?: string;
            /** @description Administrators and domain administrators: the domains to receive copies for. */
            domains?: string[];
          };
        };
      };
      responses: {
        /** @description Default Response */
        200: {
          content: {
            "application/json": {
              own: {
                /** @enum {unknown} */
                frequency?: "never" | "hourly" | "daily" | "weekly";
                /** @description Local hour of daily and weekly digests. */
                hour?: number;
                /** @description 0 Sunday, 1 Monday, … 6 Saturday. */
                weekday?: number;
                /** @description IANA time zone, e.g. Europe/Berlin. */
                timeZone?: string;
                /** @description Administrators and domain administrators: the domains to receive copies for. */
                domains?: string[];
              };
              /** @description The domain whose default you inherit. */
              domain: string;
              effective: {
                /** @enum {unknown} */
                frequency: "never" | "hourly" | "daily" | "weekly";
                hour: number;
                weekday: number;
                timeZone: string;
              };
              /** @description Whether you receive digests with these settings. */
              receives: boolean;
              copyOf: string[] | null;
              lastSentAt: string | null;
              lastError: {
                code: string;
                detail: string;
                at: string;
              } | null;
            };
          };
        };
        /** @description Default Response */
        400: {
          content: {
            "application/json": components["schemas"]["ErrorBody"];
          };
        };
        /** @description Default Response */
        401: {
          content: {
            "application/json": components["schemas"]["ErrorBody"];
          };
        };
        /** @description Default Response */
        403: {
          content: {
            "application/json": components["schemas"]["ErrorBody"];
          };
        };
        /** @description Default Response */
        404: {
          content: {
            "application/json": components["schemas"]["ErrorBody"];
          };
        };
      };
    };
    /** Forget a user's own schedule: they inherit everything again. */
    delete: {
      parameters: {
        path: {
          /** @description User id (ULID). */
          id: string;
        };
      };
      responses: {
        /** @description Default Response */
        200: {
          content: {
            "application/json": {
              own: {
                /** @enum {unknown} */
                frequency?: "never" | "hourly" | "daily" | "weekly";
                /** @description Local hour of daily and weekly digests. */
                hour?: number;
                /** @description 0 Sunday, 1 Monday, … 6 Saturday. */
                weekday?: number;
                /** @description IANA time zone, e.g. Europe/Berlin. */
                timeZone?: string;
                /** @description Administrators and domain administrators: the domains to receive copies for. */
                domains?: string[];
              };
              /** @description The domain whose default you inherit. */
              domain: string;
              effective: {
                /** @enum {unknown} */
                frequency: "never" | "hourly" | "daily" | "weekly";
                hour: number;
                weekday: number;
                timeZone: string;
              };
              /** @description Whether you receive digests with these settings. */
              receives: boolean;
              copyOf: string[] | null;
              lastSentAt: string | null;
              lastError: {
                code: string;
                detail: string;
                at: string;
              } | null;
            };
          };
        };
        /** @description Default Response */
        400: {
          content: {
            "application/json": components["schemas"]["ErrorBody"];
          };
        };
        /** @description Default Response */
        401: {
          content: {
            "application/json": components["schemas"]["ErrorBody"];
          };
        };
        /** @description Default Response */
        403: {
          content: {
            "application/json": components["schemas"]["ErrorBody"];
          };
        };
        /** @description Default Response */
        404: {
          content: {
            "application/json": components["schemas"]["ErrorBody"];
          };
        };
      };
    };
  };
  "/api/digest/settings": {
    /** Your digest schedule: what you set, what you inherit, and when the last digest went out. */
    get: {
      responses: {
        /** @description Default Response */
        200: {
          content: {
            "application/json": {
              own: {
                /** @enum {unknown} */
                frequency?: "never" | "hourly" | "daily" | "weekly";
                /** @description Local hour of daily and weekly digests. */
                hour?: number;
                /** @description 0 Sunday, 1 Monday, … 6 Saturday. */
                weekday?: number;
                /** @description IANA time zone, e.g. Europe/Berlin. */
                timeZone?: string;
                /** @description Administrators and domain administrators: the domains to receive copies for. */
                domains?: string[];
              };
              /** @description The domain whose default you inherit. */
              domain: string;
              effective: {
                /** @enum {unknown} */
                frequency: "never" | "hourly" | "daily" | "weekly";
                hour: number;
                weekday: number;
                timeZone: string;
              };
              /** @description Whether you receive digests with these settings. */
              receives: boolean;
              copyOf: string[] | null;
              lastSentAt: string | null;
              lastError: {
                code: string;
                detail: string;
                at: string;
              } | null;
            };
          };
        };
        /** @description Default Response */
        401: {
          content: {
            "application/json": components["schemas"]["ErrorBody"];
          };
        };
        /** @description Default Response */
        403: {
          content: {
            "application/json": components["schemas"]["ErrorBody"];
          };
        };
      };
    };
    /** Set your digest schedule; fields you leave out are inherited from your domain or the global default. */
    put: {
      requestBody: {
        content: {
          "application/json": {
            /** @enum {unknown} */
            frequency?: "never" | "hourly" | "daily" | "weekly";
            /** @description Local hour of daily and weekly digests. */
            hour?: number;
            /** @description 0 Sunday, 1 Monday, … 6 Saturday. */
            weekday?: number;
            /** @description IANA time zone, e.g. Europe/Berlin. */
            timeZone?: string;
            /** @description Administrators and domain administrators: the domains to receive copies for. */
            domains?: string[];
          };
        };
      };
      responses: {
        /** @description Default Response */
        200: {
          content: {
            "application/json": {
              own: {
                /** @enum {unknown} */
                frequency?: "never" | "hourly" | "daily" | "weekly";
                /** @description Local hour of daily and weekly digests. */
                hour?: number;
                /** @description 0 Sunday, 1 Monday, … 6 Saturday. */
                weekday?: number;
                /** @description IANA time zone, e.g. Europe/Berlin. */
                timeZone?: string;
                /** @description Administrators and domain administrators: the domains to receive copies for. */
                domains?: string[];
              };
              /** @description The domain whose default you inherit. */
              domain: string;
              effective: {
                /** @enum {unknown} */
                frequency: "never" | "hourly" | "daily" | "weekly";
                hour: number;
                weekday: number;
                timeZone: string;
              };
              /** @description Whether you receive digests with these settings. */
              receives: boolean;
              copyOf: string[] | null;
              lastSentAt: string | null;
              lastError: {
                code: string;
                detail: string;
                at: string;
              } | null;
            };
          };
        };
        /** @description Default Response */
        400: {
          content: {
            "application/json": components["schemas"]["ErrorBody"];
          };
        };
        /** @description Default Response */
        401: {
          content: {
            "application/json": components["schemas"]["ErrorBody"];
          };
        };
        /** @description Default Response */
        403: {
          content: {
            "application/json": components["schemas"]["ErrorBody"];
          };
        };
      };
    };
    /** Forget your own schedule: inherit everything again. */
    delete: {
      responses: {
        /** @description Default Response */
        200: {
          content: {
            "application/json": {
              own: {
                /** @enum {unknown} */
                frequency?: "never" | "hourly" | "daily" | "weekly";
                /** @description Local hour of daily and weekly digests. */
                hour?: number;
                /** @description 0 Sunday, 1 Monday, … 6 Saturday. */
                weekday?: number;
                /** @description IANA time zone, e.g. Europe/Berlin. */
                timeZone?: string;
                /** @description Administrators and domain administrators: the domains to receive copies for. */
                domains?: string[];
              };
              /** @description The domain whose default you inherit. */
              domain: string;
              effective: {
                /** @enum {unknown} */
                frequency: "never" | "hourly" | "daily" | "weekly";
                hour: number;
                weekday: number;
                timeZone: string;
              };
              /** @description Whether you receive digests with these settings. */
              receives: boolean;
              copyOf: string[] | null;
              lastSentAt: string | null;
              lastError: {
                code: string;
                detail: string;
                at: string;
              } | null;
            };
          };
        };
        /** @description Default Response */
        401: {
          content: {
            "application/json": components["schemas"]["ErrorBody"];
          };
        };
        /** @description Default Response */
        403: {
          content: {
            "application/json": components["schemas"]["ErrorBody"];
          };
        };
      };
    };
  };
  "/api/digest/defaults": {
    /** The global default (admins) and the domain defaults you manage. */
    get: {
      responses: {
        /** @description Default Response */
        200: {
          content: {
            "application/json": {
              global: ({
                domain: string | null;
                schedule: {
                  /** @enum {unknown} */
                  frequency?: "never" | "hourly" | "daily" | "weekly";
                  /** @description Local hour of daily and weekly digests. */
                  hour?: number;
                  /** @description 0 Sunday, 1 Monday, … 6 Saturday. */
                  weekday?: number;
                  /** @description IANA time zone, e.g. Europe/Berlin. */
                  timeZone?: string;
                  /** @description Administrators and domain administrators: the domains to receive copies for. */
                  domains?: string[];
                };
                /** Format: date-time */
                updatedAt: string;
                updatedBy: string;
              }) | null;
              domains: ({
                  domain: string | null;
                  schedule: {
                    /** @enum {unknown} */
                    frequency?: "never" | "hourly" | "daily" | "weekly";
                    /** @description Local hour of daily and weekly digests. */
                    hour?: number;
                    /** @description 0 Sunday, 1 Monday, … 6 Saturday. */
                    weekday?: number;
                    /** @description IANA time zone, e.g. Europe/Berlin. */
                    timeZone?: string;
                    /** @description Administrators and domain administrators: the domains to receive copies for. */
                    domains?: string[];
                  };
                  /** Format: date-time */
                  updatedAt: string;
                  updatedBy: string;
                })[];
            };
          };
        };
        /** @description Default Response */
        401: {
          content: {
            "application/json": components["schemas"]["ErrorBody"];
          };
        };
        /** @description Default Response */
        403: {
          content: {
            "application/json": components["schemas"]["ErrorBody"];
          };
        };
      };
    };
  };
  "/api/digest/defaults/global": {
    /** Set a default schedule (global: admins; a domain: its admins) that people inherit field by field. */
    put: {
      requestBody: {
        content: {
          "application/json": {
            /** @enum {unknown} */
            frequency?: "never" | "hourly" | "daily" | "weekly";
            /** @description Local hour of daily and weekly digests. */
            hour?: number;
            /** @description 0 Sunday, 1 Monday, … 6 Saturday. */
            weekday?: number;
            /** @description IANA time zone, e.g. Europe/Berlin. */
            timeZone?: string;
            /** @description Administrators and domain administrators: the domains to receive copies for. */
            domains?: string[];
          };
        };
      };
      responses: {
        /** @description Default Response */
        200: {
          content: {
            "application/json": {
              domain: string | null;
              schedule: {
                /** @enum {unknown} */
                frequency?: "never" | "hourly" | "daily" | "weekly";
                /** @description Local hour of daily and weekly digests. */
                hour?: number;
                /** @description 0 Sunday, 1 Monday, … 6 Saturday. */
                weekday?: number;
                /** @description IANA time zone, e.g. Europe/Berlin. */
                timeZone?: string;
                /** @description Administrators and domain administrators: the domains to receive copies for. */
                domains?: string[];
              };
              /** Format: date-time */
              updatedAt: string;
              updatedBy: string;
            };
          };
        };
        /** @description Default Response */
        400: {
          content: {
            "application/json": components["schemas"]["ErrorBody"];
          };
        };
        /** @description Default Response */
        401: {
          content: {
            "application/json": components["schemas"]["ErrorBody"];
          };
        };
        /** @description Default Response */
        403: {
          content: {
            "application/json": components["schemas"]["ErrorBody"];
          };
        };
      };
    };
    /** Remove a default schedule. */
    delete: {
      responses: {
        /** @description Default Response */
        200: {
          content: {
            "application/json": {
              domain: string | null;
              removed: boolean;
            };
          };
        };
        /** @description Default Response */
        400: {
          content: {
            "application/json": components["schemas"]["ErrorBody"];
          };
        };
        /** @description Default Response */
        401: {
          content: {
            "application/json": components["schemas"]["ErrorBody"];
          };
        };
        /** @description Default Response */
        403: {
          content: {
            "application/json": components["schemas"]["ErrorBody"];
          };
        };
      };
    };
  };
  "/api/digest/defaults/domains/{domain}": {
    /** Set a default schedule (global: admins; a domain: its admins) that people inherit field by field. */
    put: {
      parameters: {
        path: {
          domain: string;
        };
      };
      requestBody: {
        content: {
          "application/json": {
            /** @enum {unknown} */
            frequency?: "never" | "hourly" | "daily" | "weekly";
            /** @description Local hour of daily and weekly digests. */
            hour?: number;
            /** @description 0 Sunday, 1 Monday, … 6 Saturday. */
            weekday?: number;
            /** @description IANA time zone, e.g. Europe/Berlin. */
            timeZone?: string;
            /** @description Administrators and domain administrators: the domains to receive copies for. */
            domains?: string[];
          };
        };
      };
      responses: {
        /** @description Default Response */
        200: {
          content: {
            "application/json": {
              domain: string | null;
              schedule: {
                /** @enum {unknown} */
                frequency?: "never" | "hourly" | "daily" | "weekly";
                /** @description Local hour of daily and weekly digests. */
                hour?: number;
                /** @description 0 Sunday, 1 Monday, … 6 Saturday. */
                weekday?: number;
                /** @description IANA time zone, e.g. Europe/Berlin. */
                timeZone?: string;
                /** @description Administrators and domain administrators: the domains to receive copies for. */
                domains?: string[];
              };
              /** Format: date-time */
              updatedAt: string;
              updatedBy: string;
            };
          };
        };
        /** @description Default Response */
        400: {
          content: {
            "application/json": components["schemas"]["ErrorBody"];
          };
        };
        /** @description Default Response */
        401: {
          content: {
            "application/json": components["schemas"]["ErrorBody"];
          };
        };
        /** @description Default Response */
        403: {
          content: {
            "application/json": components["schemas"]["ErrorBody"];
          };
        };
      };
    };
    /** Remove a default schedule. */
    delete: {
      parameters: {
        path: {
          domain: string;
        };
      };
      responses: {
        /** @description Default Response */
        200: {
          content: {
            "application/json": {
              domain: string | null;
              removed: boolean;
            };
          };
        };
        /** @description Default Response */
        400: {
          content: {
            "application/json": components["schemas"]["ErrorBody"];
          };
        };
        /** @description Default Response */
        401: {
          content: {
            "application/json": components["schemas"]["ErrorBody"];
          };
        };
        /** @description Default Response */
        403: {
          content: {
            "application/json": components["schemas"]["ErrorBody"];
          };
        };
      };
    };
  };
  "/api/quarantine/{id}/report-spam": {
    /** Report a held message as spam: the spam filter (learning.backend) learns it, in the background. The item itself is not changed. */
    post: {
      parameters: {
        path: {
          /** @description Item id (ULID). */
          id: string;
        };
      };
      responses: {
        /** @description Default Response */
        200: {
          content: {
            "application/json": {
              item: components["schemas"]["Item"];
              /**
               * @description disabled: learning.backend is none, so nothing is taught.
               * @enum {unknown}
               */
              learning: "queued" | "disabled";
            };
          };
        };
        /** @description Default Response */
        400: {
          content: {
            "application/json": components["schemas"]["ErrorBody"];
          };
        };
        /** @description Default Response */
        401: {
          content: {
            "application/json": components["schemas"]["ErrorBody"];
          };
        };
        /** @description Default Response */
        403: {
          content: {
            "application/json": components["schemas"]["ErrorBody"];
          };
        };
        /** @description Default Response */
        404: {
          content: {
            "application/json": components["schemas"]["ErrorBody"];
          };
        };
      };
    };
  };
  "/api/ingest/rspamd": {
    /** rspamd hand-off: the raw message as rspamd's metadata_exporter pushes it, envelope and verdict in its X-Rspamd-* headers (docs/integration.md). Needs the shared secret (handoff.rspamd.secret) as the Basic password or a Bearer token. Each recipient is held with rspamd's verdict when its action is one of scanners.rspamd.holdActions; a repeated push of the same bytes adds nothing. */
    post: {
      responses: {
        /** @description Default Response */
        200: {
          content: {
            "application/json": {
              /** @description The stored message (its raw bytes are kept while an item needs them). */
              messageId: string;
              /** @description Recipients held now, one item each. */
              held: {
                  recipient: string;
                  itemId: string;
                  reason: string;
                }[];
              /** @description Recipients an earlier push of the same bytes held already (a retry): not stored again. */
              heldBefore: string[];
              /** @description Recipients not held: rspamd's action is not in scanners.rspamd.holdActions. */
              passed: string[];
            };
          };
        };
        /** @description Default Response */
        400: {
          content: {
            "application/json": components["schemas"]["ErrorBody"];
          };
        };
        /** @description Default Response */
        401: {
          content: {
            "application/json": components["schemas"]["ErrorBody"];
          };
        };
        /** @description Default Response */
        404: {
          content: {
            "application/json": components["schemas"]["ErrorBody"];
          };
        };
        /** @description Default Response */
        413: {
          content: {
            "application/json": components["schemas"]["ErrorBody"];
          };
        };
        /** @description Default Response */
        429: {
          content: {
            "application/json": components["schemas"]["ErrorBody"];
          };
        };
        /** @description Default Response */
        503: {
          content: {
            "application/json": components["schemas"]["ErrorBody"];
          };
        };
        /** @description Default Response */
        507: {
          content: {
            "application/json": components["schemas"]["ErrorBody"];
          };
        };
      };
    };
  };
}

export type webhooks = Record<string, never>;

export interface components {
  schemas: {
    ErrorBody: {
      error: {
        /** @description Stable error code; see docs/errors.md. */
        code: string;
        message: string;
        details?: {
          [key: string]: unknown;
        };
      };
    };
    Item: {
      id: string;
      messageId: string;
      recipient: string;
      sender: string;
      from?: string;
      subject?: string;
      size: number;
      hasAttachments: boolean;
      /** @enum {unknown} */
      reason: "spam" | "malware" | "phish" | "policy" | "bulk" | "manual";
      score: number | null;
      details: {
        [key: string]: unknown;
      };
      /** @enum {unknown} */
      status: "quarantined" | "release_requested" | "releasing" | "released" | "deleted" | "expired";
      /** Format: date-time */
      receivedAt: string;
      /** Format: date-time */
      updatedAt: string;
      expiresAt: string | null;
      release: {
        to: string[];
        by: string;
        /** Format: date-time */
        at: string;
        reply: string;
        attempts?: number;
        jobId?: string;
      } | null;
      lastError: {
        code: string;
        detail: string;
        /** Format: date-time */
        at: string;
        reply?: string;
        attempts?: number;
      } | null;
      version: number;
      /** @description What the caller may do with the item now, by the access policy, their credential and the item’s status: `release`, `request_release`, `approve_release`, `deny_release` (the routes of those names), `force_release` (the release route with `force: true`, which also sends a released or interrupted item again), `delete`, `download_attachment`. Any other action is refused (403 `forbidden` or `insufficient_scope`, or 409 for the status). */
      allowedActions: ("release" | "force_release" | "request_release" | "approve_release" | "deny_release" | "delete" | "download_attachment")[];
    };
    Message: {
      id: string;
      /** Format: date-time */
      receivedAt: string;
      size: number;
      sha256: string;
      envelope: {
        mailFrom: string;
        rcptTo: string[];
      };
      headers: {
        from?: string;
        fromAddress?: string;
        to?: string;
        cc?: string;
        subject?: string;
        messageId?: string;
        date?: string;
        /** @description SPF, DKIM, DMARC and ARC results of the topmost Authentication-Results header, when the SMTP client that handed the message over is trusted (`scanners.headers.trustedHosts`). */
        authResults?: ({
            /** @enum {unknown} */
            method: "spf" | "dkim" | "dmarc" | "arc";
            result: string;
            detail?: string;
          })[];
      };
      attachments: {
          filename?: string;
          contentType: string;
          size: number;
        }[];
      parseProblems: string[];
      /** @description Address of the SMTP client that sent the message; behind Postfix, the original client it forwarded with XFORWARD. */
      remoteAddress?: string;
      /** @description The HELO/EHLO name that client gave. */
      heloName?: string;
      /** @description The upstream MTA's queue id (Postfix's XFORWARD IDENT): the id in Postfix's log and in Lazaret's INGEST_DECISION line. */
      queueId?: string;
    };
    User: {
      id: string;
      email: string;
      displayName: string;
      /** @enum {unknown} */
      role: "admin" | "domain_admin" | "user";
      /** @description Domains a domain admin manages. */
      domains: string[];
      /** @description A user's addresses: primary first, then aliases. */
      addresses: string[];
      disabled: boolean;
      releaseMode: ("release" | "request") | null;
      /** @description The language the user chose for the web UI and their digests; null: none (their browser, then i18n.defaultLanguage). */
      language: ("en" | "de" | "fr") | null;
      /**
       * @description Second factor: active, pending (enrolment not confirmed yet), none, or unavailable (accounts from a directory or an identity provider).
       * @enum {unknown}
       */
      totp: "active" | "pending" | "none" | "unavailable";
      /** @description The identity at a sign-in provider this account is linked to (later sign-ins find it by that, not by email); null: none. */
      identity: ({
        /** @enum {unknown} */
        method: "oidc" | "ldap";
        /** @description The id of the sign-in provider (`auth.oidc.providers[].id`). */
        provider: string;
      }) | null;
      /** Format: date-time */
      createdAt: string;
      /** Format: date-time */
      updatedAt: string;
    };
    Token: {
      id: string;
      userId: string;
      name: string;
      /** @enum {unknown} */
      scope: "read" | "release" | "admin";
      /** Format: date-time */
      createdAt: string;
      expiresAt: string | null;
      lastUsedAt: string | null;
      revokedAt: string | null;
    };
    AuditEntry: {
      id: string;
      /** Format: date-time */
      at: string;
      actor: {
        /** @enum {unknown} */
        kind: "user" | "token" | "system" | "anonymous";
        id: string;
        label: string;
      };
      action: string;
      target: {
        itemIds?: string[];
        jobId?: string;
        userId?: string;
        /** @description The email of the user `userId` names, when that user still exists. */
        userEmail?: string;
        tokenId?: string;
      };
      tenants: string[];
      params: {
        [key: string]: unknown;
      };
      /** @enum {unknown} */
      outcome: "ok" | "failed" | "partial" | "denied";
      counts?: {
        [key: string]: number;
      };
      ip?: string;
    };
    Job: {
      id: string;
      /** @description Where to read the job. */
      url: string;
      /** @enum {unknown} */
      action: "release" | "delete";
      /** @enum {unknown} */
      state: "preparing" | "queued" | "running" | "completed" | "cancelled" | "failed";
      selection: {
        /** @enum {string} */
        kind: "ids";
      } | {
        /** @enum {string} */
        kind: "query";
        query: string;
      };
      options: {
        force: boolean;
        recipients: string[] | null;
      };
      owner: {
        id: string;
        label: string;
      };
      /** @description Items in the selection (final once selectionComplete). */
      total: number;
      selectionComplete: boolean;
      /** @description Items with an outcome. */
      processed: number;
      counters: {
        ok: number;
        not_found: number;
        forbidden: number;
        already_released: number;
        already_deleted: number;
        conflict: number;
        interrupted: number;
        delivery_deferred: number;
        delivery_rejected: number;
        store_error: number;
        cancelled: number;
      };
      /** @description Every item up to this position has its outcome stored. */
      cursor: number;
      cancelRequested: boolean;
      stats: {
        window: {
          initial: number;
          current: number;
          min: number;
          max: number;
          shrinks: number;
          grows: number;
        };
        throttled: number;
        smtpTransactions: number;
        elapsedMs: number;
        itemsPerSecond: number;
      } | null;
      error: string | null;
      /** Format: date-time */
      createdAt: string;
      /** Format: date-time */
      updatedAt: string;
      startedAt: string | null;
      finishedAt: string | null;
    };
    JobItem: {
      seq: number;
      itemId: string;
      outcome: ({
        /**
         * @description Stable outcome of one item; see docs/bulk.md.
         * @enum {unknown}
         */
        code: "ok" | "not_found" | "forbidden" | "already_released" | "already_deleted" | "conflict" | "interrupted" | "delivery_deferred" | "delivery_rejected" | "store_error" | "cancelled";
        message: string;
        /** @enum {unknown} */
        status?: "quarantined" | "release_requested" | "releasing" | "released" | "deleted" | "expired";
        reply?: string;
        attempts?: number;
        /** Format: date-time */
        at: string;
      }) | null;
    };
    BulkResult: {
      /** @description True only when every item succeeded. */
      success: boolean;
      results: {
          /** @description The item id (named as in the original API). */
          messageId: string;
          /** @enum {boolean} */
          success: true;
          status: string;
        }[];
      errors: ({
          /** @description The item id (named as in the original API). */
          messageId: string;
          error: string;
          /**
           * @description Stable outcome of one item; see docs/bulk.md.
           * @enum {unknown}
           */
          code: "ok" | "not_found" | "forbidden" | "already_released" | "already_deleted" | "conflict" | "interrupted" | "delivery_deferred" | "delivery_rejected" | "store_error" | "cancelled";
          /** @description The mail server's reply, for delivery errors. */
          reply?: string;
        })[];
      summary: {
        /** @description Distinct ids. */
        requested: number;
        succeeded: number;
        failed: number;
        /** @description Repeated ids, processed once. */
        duplicates: number;
      };
    };
  };
  responses: never;
  parameters: never;
  requestBodies: never;
  headers: never;
  pathItems: never;
}

export type $defs = Record<string, never>;

export type external = Record<string, never>;

export type operations = Record<string, never>;
