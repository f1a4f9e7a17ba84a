// GOV.UK Frontend's components (error summary focus, conditional reveals, the menu toggle): the pages
// work without them, with JavaScript off.
import { initAll } from './govuk-frontend-6.6.0.min.js'

document.body.classList.add('js-enabled', 'govuk-frontend-supported')
initAll()
