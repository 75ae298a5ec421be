(self.siteSearchData=self.siteSearchData||{})["w/n"]={"terms":"n network neural noether normal"};
