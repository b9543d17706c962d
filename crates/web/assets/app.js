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
  document.querySelector('[data-nav-close]')?.addEventListener('click', () => {
    nav?.classList.remove('open');
    toggle?.setAttribute('aria-expanded', 'false');
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
