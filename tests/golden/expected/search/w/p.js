(self.siteSearchData=self.siteSearchData||{})["w/p"]={"terms":"p paper pass predict prefer properti"};
