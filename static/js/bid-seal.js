// Sealing a bid in the bidder's browser, on the bid page (templates/trading/_seal_form.html): the
// summary form (made from the tender's summary schema), the documents, the key file and the
// credit commitment become a bidhall-seal/1 envelope streamed by static/js/sealing.js, which
// static/js/upload.js sends through the resumable upload like a file sealed by the bidhall tool.
// The key file and its passphrase are read here only (static/js/keyfile.js): nothing leaves the
// page but the envelope's bytes.
//
//   const sealed = await bidhallBidSeal.prepare(lot)
//     → {size, run(sink, onProgress)}: size is the envelope's exact length (the upload is created
//       with it); run streams the envelope into the async sink and returns its manifest hash.
//   A refusal of the form's own inputs is shown at its field and thrown with `shown` true;
//   other failures are thrown with a message in the page's language.
(function () {
  "use strict";

  const form = document.getElementById("bid-upload-form");
  const part = document.querySelector("[data-testid=seal-form]");
  if (!form || !part) return;
  const labels = form.dataset;
  const { fmt, money, capital, size, fieldError } = window.bidhallDom;
  const keyInput = document.getElementById("seal-key");
  const passphrase = document.getElementById("seal-passphrase");
  const commitment = document.getElementById("seal-commitment");
  const documents = document.getElementById("seal-documents");
  const folder = document.getElementById("seal-folder");
  const chosen = part.querySelector("[data-testid=seal-documents-chosen]");

  class Refusal extends Error {
    constructor(message, shown) {
      super(message);
      this.shown = Boolean(shown);
    }
  }

  // --- the summary form: the schema's constraints are the inputs' own (pattern, min, max,
  // maxlength, required), checked by the browser and worded here in the page's language --------

  function problem(input) {
    if (input.type !== "number" && input.tagName !== "SELECT") input.value = input.value.trim();
    const validity = input.validity;
    if (validity.valueMissing || (input.value === "" && !validity.badInput)) {
      return input.required ? labels.labelRequired : "";
    }
    if (validity.badInput || validity.rangeUnderflow || validity.rangeOverflow || validity.stepMismatch) {
      return fmt(labels.labelRange, { min: input.min, max: input.max });
    }
    if (validity.patternMismatch) {
      const hint = document.getElementById(`${input.id}-hint`);
      return hint ? hint.textContent : labels.labelPattern;
    }
    if (validity.tooLong) return fmt(labels.labelTooLong, { max: input.maxLength });
    return "";
  }

  function readSummary(lot) {
    const summary = { lot };
    let first = null;
    for (const input of part.querySelectorAll("[data-summary]")) {
      const message = problem(input);
      fieldError(input, message);
      if (message) {
        first = first || input;
      } else if (input.value !== "") {
        summary[input.dataset.summary] = input.dataset.type === "integer" ? Number(input.value) : input.value;
      }
    }
    return { summary, first };
  }

  // the price as the read-out will say it: with separators, and in capital numerals (大写)
  const price = part.querySelector("[data-summary=price]");
  const inWords = part.querySelector("[data-testid=price-in-words]");
  if (price && inWords) {
    price.addEventListener("input", () => {
      const text = price.value.trim();
      const valid = /^\d{1,14}(\.\d{1,2})?$/.test(text);
      inWords.textContent = valid ? `${money(text)} ${labels.labelYuan} ${capital(text)}`.trim() : "";
    });
  }

  // --- the documents: files, or a folder (its members keep their paths inside it) -------------

  const chosenFiles = () => [...documents.files, ...folder.files];
  function showChosen() {
    const files = chosenFiles();
    const bytes = files.reduce((n, f) => n + f.size, 0);
    chosen.textContent = files.length ? fmt(labels.labelChosen, { count: files.length, size: size(bytes) }) : labels.labelNoneChosen;
  }
  documents.addEventListener("change", showChosen);
  folder.addEventListener("change", showChosen);

  // --- the key file ------------------------------------------------------------------------------

  const keyTexts = () => ({
    badKeyFile: labels.labelBadKeyFile,
    badPassphrase: labels.labelBadPassphrase,
    noX25519: labels.labelBadKeyFile,
    noEd25519: labels.labelBadKeyFile,
  });

  async function openKeyFile() {
    const file = keyInput.files[0];
    fieldError(keyInput, file ? "" : labels.labelNoKey);
    fieldError(passphrase, passphrase.value ? "" : labels.labelNoPassphrase);
    if (!file || !passphrase.value) throw new Refusal(labels.labelNoKey, true);
    const files = window.bidhallKeyFile;
    const texts = keyTexts();
    try {
      const text = await files.readFile(file, texts);
      const unlocked = await files.unlock(text, passphrase.value, texts);
      const certificates = JSON.parse(text).certificates || {};
      if (!certificates.signing || !certificates.encryption) {
        fieldError(keyInput, labels.labelNoCertificate);
        throw new Refusal(labels.labelNoCertificate, true);
      }
      const signing = await files.signingKey(unlocked, texts);
      const { publicRaw } = await files.encryptionKey(unlocked, texts);
      return { keys: { signing, publicRaw }, certificates };
    } catch (error) {
      if (error instanceof Refusal) throw error;
      const field = error.code === "bad_passphrase" ? passphrase : keyInput;
      fieldError(field, error.message);
      throw new Refusal(error.message, true);
    }
  }

  // --- sealing ------------------------------------------------------------------------------------

  async function descriptor() {
    let response;
    try {
      response = await fetch(labels.descriptorUrl, { credentials: "same-origin", headers: { Accept: "application/json" } });
    } catch (cause) {
      throw new Refusal(labels.labelNetwork);
    }
    const data = await response.json().catch(() => null);
    if (!response.ok || !data) {
      const error = (data && data.error) || { message: labels.labelNetwork };
      throw new Refusal(error.localized || error.message);
    }
    return data;
  }

  async function prepare(lot) {
    if (!window.crypto || !crypto.subtle || !window.bidhallSeal) throw new Refusal(labels.labelNoWebcrypto);
    const { summary, first } = readSummary(lot);
    fieldError(commitment, commitment.checked ? "" : labels.labelNoCommitment);
    if (first || !commitment.checked) {
      (first || commitment).focus();
      throw new Refusal(labels.labelRequired, true);
    }
    const opened = await openKeyFile();
    let plan;
    try {
      plan = await window.bidhallSeal.plan({
        descriptor: await descriptor(),
        lot,
        summary,
        files: chosenFiles(),
        certificates: opened.certificates,
      });
    } catch (error) {
      if (error instanceof Refusal) throw error;
      if (error.code === "wrong_signer" || error.code === "wrong_holder" || error.code === "invalid_certificate") {
        fieldError(keyInput, labels.labelNotYourKey);
        throw new Refusal(labels.labelNotYourKey, true);
      }
      if (error.code === "invalid_documents") {
        fieldError(documents, error.message);
        throw new Refusal(error.message, true);
      }
      throw new Refusal(`${error.message}${error.code ? ` (${error.code})` : ""}`);
    }
    return {
      size: plan.size,
      run: async (sink, onProgress) => {
        try {
          return await plan.run(opened.keys, sink, onProgress);
        } catch (error) {
          if (error.code === "wrong_signer" || error.code === "wrong_holder") {
            fieldError(keyInput, labels.labelNotYourKey);
            throw new Refusal(labels.labelNotYourKey, true);
          }
          throw error;
        }
      },
      forget: () => {
        passphrase.value = "";
      },
    };
  }

  window.bidhallBidSeal = { prepare };
})();
