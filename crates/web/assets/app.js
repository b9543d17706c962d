// Progressive enhancement only: every page works without this file.
document.addEventListener('DOMContentLoaded', () => {
  const toggle = document.querySelector('[data-nav-toggle]');
  const nav = document.getElementById('sidenav');
  if (toggle && nav) {
    toggle.addEventListener('click', () => {
      const open = nav.classList.toggle('open');
      toggle.setAttribute('aria-expanded', String(open));
    });
  }
  const closeNav = () => {
    nav?.classList.remove('open');
    toggle?.setAttribute('aria-expanded', 'false');
  };
  document.querySelector('[data-nav-close]')?.addEventListener('click', closeNav);
  // Escape closes the open menu (on a phone it covers the page) and gives the focus back.
  document.addEventListener('keydown', (e) => {
    if (e.key === 'Escape' && nav?.classList.contains('open')) {
      closeNav();
      toggle?.focus();
    }
  });
  for (const button of document.querySelectorAll('[data-copy]')) {
    button.addEventListener('click', () => {
      const text = document.getElementById(button.dataset.copy)?.textContent ?? '';
      navigator.clipboard?.writeText(text);
    });
  }
  for (const form of document.querySelectorAll('form[data-confirm]')) {
    form.addEventListener('submit', (e) => {
      if (!window.confirm(form.dataset.confirm)) e.preventDefault();
    });
  }
});

// ---- Import mapping: a changed column choice refreshes the preview in place (the "show the
// preview" button does the same with a page load) ----
document.addEventListener('DOMContentLoaded', () => {
  const form = document.getElementById('map-form');
  const mapping = document.getElementById('mapping');
  if (!form || !mapping) return;
  let latest = 0;
  const refresh = async () => {
    const mine = ++latest;
    const data = new URLSearchParams(new FormData(form));
    data.set('preview', '1');
    try {
      const res = await fetch(form.action, { method: 'POST', body: data, credentials: 'same-origin' });
      if (!res.ok || mine !== latest) return;
      const fresh = new DOMParser().parseFromString(await res.text(), 'text/html').getElementById('preview');
      const shown = document.getElementById('preview');
      if (fresh && shown) shown.replaceWith(fresh);
    } catch (_) {
      // Offline or the page is being left: the button still works.
    }
  };
  // Each row says what the duplicate choice does with it, so that choice refreshes it too.
  for (const input of form.querySelectorAll('#mapping select, input[name="duplicate_mode"]')) {
    input.addEventListener('change', refresh);
  }
});

// ---- Deals board: drag a card to another column (the per-card form works without this) ----
document.addEventListener('DOMContentLoaded', () => {
  const board = document.getElementById('board');
  if (!board) return;
  const csrf = document.querySelector('meta[name="csrf-token"]')?.content ?? '';
  let dragged = null;
  for (const card of board.querySelectorAll('.deal-card')) {
    card.addEventListener('dragstart', (e) => {
      dragged = card;
      card.classList.add('dragging');
      e.dataTransfer.effectAllowed = 'move';
      e.dataTransfer.setData('text/plain', card.dataset.dealId);
    });
    card.addEventListener('dragend', () => {
      card.classList.remove('dragging');
      dragged = null;
    });
  }
  for (const col of board.querySelectorAll('.board-col')) {
    col.addEventListener('dragover', (e) => {
      e.preventDefault();
      col.classList.add('drop-target');
    });
    col.addEventListener('dragleave', () => col.classList.remove('drop-target'));
    col.addEventListener('drop', async (e) => {
      e.preventDefault();
      col.classList.remove('drop-target');
      const card = dragged;
      if (!card || card.closest('.board-col') === col) return;
      const body = new URLSearchParams({ stage_id: col.dataset.stageId });
      if (col.dataset.stageKind === 'lost') {
        const reason = window.prompt(board.dataset.lostPrompt);
        if (reason === null || reason.trim() === '') return;
        body.set('lost_reason', reason);
      }
      const res = await fetch(`/deals/${card.dataset.dealId}/move`, {
        method: 'POST',
        headers: { 'x-csrf-token': csrf, accept: 'application/json' },
        body,
        credentials: 'same-origin',
      });
      if (res.ok) {
        // Reload so counts and sums stay right.
        window.location.reload();
      } else {
        const err = await res.json().catch(() => ({}));
        window.alert(err.message ?? res.statusText);
      }
    });
  }
});

// ---- Record lists: edit a cell in place (without script each editable cell links to its record) ----
document.addEventListener('DOMContentLoaded', () => {
  const table = document.getElementById('records');
  if (!table || !table.dataset.cellBase || !table.tHead) return;
  const csrf = document.querySelector('meta[name="csrf-token"]')?.content ?? '';
  const heads = [...table.tHead.rows[0].cells];

  const label = (button, th, text) => {
    const name = th.textContent.trim();
    button.setAttribute('aria-label', `${name}: ${text || '—'} (${table.dataset.editHint})`);
  };

  const makeButton = (td, th, text) => {
    const button = document.createElement('button');
    button.type = 'button';
    button.className = 'cell-edit';
    const bdi = document.createElement('bdi');
    bdi.dir = 'auto';
    bdi.textContent = text;
    button.append(bdi);
    label(button, th, text);
    // Pressing the mouse must not move the focus yet: leaving an open editor closes it, the
    // row's layout shifts, and the release could land beside this button and lose the click.
    button.addEventListener('mousedown', (e) => e.preventDefault());
    button.addEventListener('click', () => open(td, th, button));
    return button;
  };

  // The editor of a cell: its element, the controls in it (the first takes the focus) and
  // the value it holds now, as the cell endpoint reads it.
  const editorFor = (td, th, text) => {
    const kind = th.dataset.kind;
    const name = th.textContent.trim();
    const current = td.dataset.value ?? '';
    const options = [...(th.querySelector('template.cell-options')?.content.querySelectorAll('option') ?? [])]
      .filter((o) => !(o.dataset.group && td.dataset.group && o.dataset.group !== td.dataset.group));
    if (kind === 'multi') {
      // Check boxes; the value is the ticked keys joined by commas, nothing ticked clears it.
      const box = document.createElement('div');
      box.className = 'cell-input cell-multi';
      box.setAttribute('role', 'group');
      box.setAttribute('aria-label', name);
      // A click between the boxes keeps the focus inside the editor, so it does not save.
      box.tabIndex = -1;
      const ticked = current.split(',').filter((k) => k !== '');
      const add = (value, label) => {
        const item = document.createElement('label');
        const check = document.createElement('input');
        check.type = 'checkbox';
        check.value = value;
        check.checked = ticked.includes(value);
        const bdi = document.createElement('bdi');
        bdi.dir = 'auto';
        bdi.textContent = label;
        item.append(check, bdi);
        box.append(item);
      };
      for (const o of options) add(o.value, o.textContent);
      // A stored choice the field no longer offers stays visible, so it is never dropped unasked.
      for (const k of ticked) if (!options.some((o) => o.value === k)) add(k, k);
      const checks = [...box.querySelectorAll('input')];
      return {
        el: box,
        controls: checks.length ? checks : [box],
        value: () => checks.filter((c) => c.checked).map((c) => c.value).join(','),
      };
    }
    let input;
    if (kind === 'select') {
      input = document.createElement('select');
      for (const o of options) input.append(o.cloneNode(true));
      // The current value is always offered (a deactivated owner, a status set elsewhere), so
      // opening and leaving the editor never changes it.
      if (!options.some((o) => o.value === current)) {
        input.prepend(new Option(text || '—', current));
      }
    } else {
      input = document.createElement('input');
      input.type = kind === 'email' ? 'email' : kind === 'tel' ? 'tel' : 'text';
      if (kind === 'number') input.inputMode = 'decimal';
      if (th.dataset.placeholder) input.placeholder = th.dataset.placeholder;
      input.dir = 'auto';
    }
    input.className = 'cell-input';
    input.value = current;
    input.setAttribute('aria-label', name);
    return { el: input, controls: [input], value: () => input.value };
  };

  const open = (td, th, button) => {
    const editor = editorFor(td, th, button.textContent);
    const { el, controls } = editor;
    const error = document.createElement('span');
    error.className = 'field-error';
    error.id = `cell-error-${td.closest('tr').dataset.id}-${td.cellIndex}`;
    error.setAttribute('role', 'alert');
    td.replaceChildren(el, error);
    controls[0].focus();
    const initial = editor.value();
    let busy = false;
    let failed = null;

    const close = (text) => {
      // Focus comes back to the cell after Enter or Escape; not when the user has moved on
      // to something else (leaving the editor saved it).
      const active = document.activeElement;
      const refocus = td.contains(active) || active === document.body || active === null;
      const b = makeButton(td, th, text);
      td.replaceChildren(b);
      if (refocus) b.focus();
    };
    const cancel = () => close(button.textContent);
    const save = async () => {
      if (busy) return;
      const value = editor.value();
      if (value === initial) return cancel();
      if (value === failed) return;
      busy = true;
      const id = td.closest('tr').dataset.id;
      // The unit amounts were shown in when the page was drawn is the one typed in, even if
      // the preference has changed since in another tab.
      const body = new URLSearchParams({ field: th.dataset.field, value, unit: table.dataset.moneyUnit || '', _csrf: csrf });
      let res;
      let data = {};
      try {
        res = await fetch(`${table.dataset.cellBase}/${id}/cell`, {
          method: 'POST',
          headers: { 'x-csrf-token': csrf, accept: 'application/json' },
          body,
          credentials: 'same-origin',
        });
        data = await res.json().catch(() => ({}));
      } catch (_) {
        res = null;
      }
      busy = false;
      if (res && res.ok && data.ok) {
        td.dataset.value = data.value;
        close(data.text);
      } else {
        failed = value;
        error.textContent = data.message ?? table.dataset.editFailed;
        for (const c of controls) {
          c.setAttribute('aria-invalid', 'true');
          c.setAttribute('aria-describedby', error.id);
        }
        if (!el.contains(document.activeElement)) controls[0].focus();
      }
    };
    el.addEventListener('keydown', (e) => {
      if (e.key === 'Enter') {
        // The list sits inside the bulk-action form: Enter must not submit it.
        e.preventDefault();
        save();
      } else if (e.key === 'Escape') {
        e.preventDefault();
        cancel();
      }
    });
    el.addEventListener('input', () => {
      if (editor.value() !== failed) {
        for (const c of controls) c.removeAttribute('aria-invalid');
        error.textContent = '';
      }
    });
    el.addEventListener('focusout', () => {
      // A click on the error text or another cell saves; the editor stays while it is wrong.
      setTimeout(() => { if (td.contains(el) && !el.contains(document.activeElement)) save(); }, 0);
    });
  };

  for (const td of table.querySelectorAll('td.cell[data-value]')) {
    const th = heads[td.cellIndex];
    if (!th?.dataset.field) continue;
    const text = td.textContent.trim();
    td.replaceChildren(makeButton(td, th, text));
  }
});

// ---- Profile: a calendar or digit style that was only the old language's default follows a new
// language in view, so what is saved is what the user sees (and may still change) ----
document.addEventListener('DOMContentLoaded', () => {
  const language = document.getElementById('language');
  const exact = document.getElementById('prefs-exact');
  const calendar = document.getElementById('calendar');
  const digits = document.getElementById('digits');
  if (!language || !exact || !calendar || !digits) return;
  exact.value = '1';
  let previous = language.selectedOptions[0];
  language.addEventListener('change', () => {
    const next = language.selectedOptions[0];
    if (calendar.value === previous.dataset.calendar) calendar.value = next.dataset.calendar;
    if (digits.value === previous.dataset.digits) digits.value = next.dataset.digits;
    previous = next;
  });
});
