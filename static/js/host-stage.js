// host-stage.js — the console's stage control: a live preview of the
// projector and the switch for what is on stage.
//
// The preview is the room's screen page (/screen/CODE) in a frame, laid
// out at the projector's 1280×720 and scaled down to the card's width, so
// it is the same picture as the hall sees: it connects as the audience
// does (no key), so it shows exactly what a screen opened without a key
// shows. It takes no pointer or keyboard focus. While the "On stage"
// section is collapsed there is no frame at all (no page, no connection).
//
// The switch sets the room's `stage` setting (room_set, host only): auto,
// question, poll, leaderboard, podium, code or blank. Every screen of the
// room follows it on every instance. The checked option is the room's
// setting as the server last said (a `room` event), never only the click:
// a refused change leaves the switch where the room is. Moderators see the
// switch disabled.
//
// Branding, beside the switch (host only): the accent colour, a light
// stage, and a logo (a small image file, sent as a data: URL; one larger
// than MAX_LOGO is refused here with a message, as the server would).
//
// Test hooks: data-testid stage-card, stage-preview (the frame),
// stage-option (each radio, value = the stage), setting-accent,
// setting-light, setting-logo, logo-remove.

import { el, $, clear, toast } from './dom.js';
import { t } from './i18n.js';

/** STAGES are the values of the stage setting, with their labels' keys, in the switch's order. */
const STAGES = [['auto', 'host.stage_auto'], ['question', 'host.stage_question'], ['poll', 'host.stage_poll'],
  ['leaderboard', 'host.stage_leaderboard'], ['podium', 'host.stage_podium'], ['code', 'host.stage_code'], ['blank', 'host.stage_blank']];
/** PREVIEW_W × PREVIEW_H is the projector size the preview lays the screen out at. */
const PREVIEW_W = 1280;
const PREVIEW_H = 720;

/**
 * setupStagePreview keeps the preview box's scale to the card's width and
 * shows the screen of room code in it unless shown is false.
 */
export function setupStagePreview(code, shown) {
  const box = $('#stage-preview-box');
  box.dataset.room = code;
  const scale = () => box.style.setProperty('--preview-scale', String(box.clientWidth / PREVIEW_W));
  new ResizeObserver(scale).observe(box);
  scale();
  showStagePreview(shown);
}

/** showStagePreview loads the preview (on) or unloads it, closing its connection (off). */
export function showStagePreview(on) {
  const box = $('#stage-preview-box');
  const frame = box.querySelector('iframe');
  if (!on) { if (frame) frame.remove(); return; }
  if (frame) return;
  box.appendChild(el('iframe', {
    src: '/screen/' + box.dataset.room, 'data-testid': 'stage-preview', tabindex: '-1',
    title: t('host.stage_preview'), 'data-i18n-title': 'host.stage_preview', width: String(PREVIEW_W), height: String(PREVIEW_H),
  }));
}

/**
 * renderStageSwitch draws the switch (again when the language or role
 * changed) and checks the stage of state (the console's RoomState);
 * send(cmd) sends a command and resolves once it is answered.
 */
export function renderStageSwitch(state, send) {
  const form = $('#stage-switch');
  const isHost = state.role === 'host';
  const sig = [document.documentElement.lang, isHost].join('|');
  if (form.dataset.sig !== sig) {
    form.dataset.sig = sig;
    clear(form);
    form.appendChild(el('legend', { class: 'sr-only' }, t('host.stage_switch')));
    for (const [value, label] of STAGES) {
      const input = el('input', { type: 'radio', name: 'stage', value, 'data-testid': 'stage-option', disabled: !isHost });
      input.addEventListener('change', async () => {
        if (!input.checked) return;
        await send({ type: 'room_set', stage: value });
        // Refused or not, the switch shows what the room holds.
        renderStageSwitch(state, send);
      });
      form.appendChild(el('label', { class: 'stage-option' }, input, el('span', {}, t(label))));
    }
    if (!isHost) form.appendChild(el('p', { class: 'hint' }, t('host.stage_host_only')));
  }
  const current = (state.settings && state.settings.stage) || 'auto';
  for (const input of form.querySelectorAll('input[name="stage"]')) input.checked = input.value === current;
}

/** MAX_LOGO is the longest logo data: URL the server takes (rooms.MaxLogoBytes). */
const MAX_LOGO = 3000;

/** renderBranding draws the branding controls (again when the language or role changed) and shows the room's values. */
export function renderBranding(state, send) {
  const box = $('#branding');
  const isHost = state.role === 'host';
  const s = state.settings || {};
  const sig = [document.documentElement.lang, isHost].join('|');
  if (box.dataset.sig !== sig) {
    box.dataset.sig = sig;
    clear(box);
    const accent = el('input', { type: 'color', id: 'setting-accent', class: 'accent-input', 'data-testid': 'setting-accent', disabled: !isHost });
    accent.addEventListener('change', () => send({ type: 'room_set', accent: accent.value }));
    const light = el('input', { type: 'checkbox', role: 'switch', id: 'setting-light', class: 'switch', 'data-testid': 'setting-light', disabled: !isHost });
    light.addEventListener('change', () => send({ type: 'room_set', theme: light.checked ? 'light' : 'dark' }));
    const logo = el('input', { type: 'file', id: 'setting-logo', class: 'sr-only', accept: 'image/png,image/jpeg,image/webp,image/gif', 'data-testid': 'setting-logo', disabled: !isHost });
    logo.addEventListener('change', () => {
      const file = logo.files && logo.files[0];
      logo.value = '';
      if (!file) return;
      const reader = new FileReader();
      reader.onload = () => {
        const url = String(reader.result || '');
        if (url.length > MAX_LOGO || !/^data:image\/(png|jpeg|webp|gif);base64,/.test(url)) { toast(t('host.logo_too_big', { n: MAX_LOGO })); return; }
        send({ type: 'room_set', logo: url });
      };
      reader.readAsDataURL(file);
    });
    box.append(
      el('label', { class: 'branding-item', for: 'setting-accent' }, accent, el('span', {}, t('host.accent'))),
      el('label', { class: 'branding-item', for: 'setting-light' }, light, el('span', {}, t('host.light_stage'))),
      el('span', { class: 'branding-item' },
        el('img', { id: 'logo-preview', class: 'logo-preview', alt: t('host.logo'), hidden: true }),
        el('label', { class: 'btn btn-small' + (isHost ? '' : ' is-disabled'), for: 'setting-logo' }, t('host.logo_choose')), logo,
        el('button', { type: 'button', class: 'btn btn-small btn-ghost', 'data-testid': 'logo-remove', disabled: !isHost, onclick: () => send({ type: 'room_set', logo: '' }) }, t('host.logo_remove'))));
  }
  $('#setting-accent').value = /^#[0-9a-f]{6}$/i.test(s.accent || '') ? s.accent : '#8b8cf8';
  $('#setting-light').checked = s.theme === 'light';
  const preview = $('#logo-preview');
  if (s.logo) { if (preview.getAttribute('src') !== s.logo) preview.src = s.logo; } else preview.removeAttribute('src');
  preview.hidden = !s.logo;
  box.querySelector('[data-testid="logo-remove"]').hidden = !s.logo;
}
